import Foundation

/// Opens the engine that a checkpoint's config.json names (`model_type`), so a folder or a
/// `--model` pointing at either model gets the right code whatever it was called.
public enum EngineOpener {
    /// The `model_type` values this build can run.
    public static let supportedModelTypes = ["qwen2_vl", "aya_vision"]

    public static func open(checkpoint: URL) throws -> any OCREngine {
        let configURL = checkpoint.appendingPathComponent("config.json")
        guard let config = try JSONObject.load(configURL) else { throw CheckpointError.missingFile(path: configURL.path) }
        let modelType = try config.string("model_type") ?? "qwen2_vl"
        switch modelType {
        case "qwen2_vl": return try Qwen2VLEngine(checkpoint: checkpoint)
        case "aya_vision": return try AyaVisionEngine(checkpoint: checkpoint)
        default:
            throw CheckpointError.invalidValue(
                path: configURL.path, key: "model_type",
                reason: "\"\(modelType)\" is not supported by this build (expected \(supportedModelTypes.joined(separator: " or ")))")
        }
    }
}
