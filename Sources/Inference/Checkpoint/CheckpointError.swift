/// Everything that can be wrong with a checkpoint directory, each naming the file/key/tensor to fix.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    case missingFile(path: String)
    case unreadableFile(path: String, reason: String)
    case malformedJSON(path: String, reason: String)
    case missingKey(path: String, key: String)
    case invalidValue(path: String, key: String, reason: String)
    case malformedSafetensors(path: String, reason: String)
    case tensorOutOfBounds(path: String, tensor: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case missingTensor(name: String, directory: String)
    case shapeMismatch(tensor: String, path: String, expected: [Int], actual: [Int])
    case unsupportedModel(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "checkpoint file not found: \(path)"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .malformedJSON(let path, let reason):
            return "\(path) is not valid JSON: \(reason)"
        case .missingKey(let path, let key):
            return "\(path) has no \"\(key)\" (required)"
        case .invalidValue(let path, let key, let reason):
            return "\(path): \"\(key)\" \(reason)"
        case .malformedSafetensors(let path, let reason):
            return "\(path) is not a valid safetensors file: \(reason)"
        case .tensorOutOfBounds(let path, let tensor, let reason):
            return "\(path): tensor \(tensor) \(reason) (file truncated or corrupt?)"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor \(tensor) has dtype \(dtype); only F32, BF16 and F16 weights are supported"
        case .missingTensor(let name, let directory):
            return "checkpoint \(directory) has no tensor \(name)"
        case .shapeMismatch(let tensor, let path, let expected, let actual):
            return "\(path): tensor \(tensor) has shape \(actual), expected \(expected) from config.json"
        case .unsupportedModel(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
