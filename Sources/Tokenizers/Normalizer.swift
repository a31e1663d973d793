import Foundation

/// The `normalizer` of tokenizer.json. Qwen2 and Cohere both use NFC; `null` and `Sequence` are accepted.
indirect enum Normalizer: Sendable {
    case none
    case nfc
    case sequence([Normalizer])

    static func parse(_ json: JSONObject?, file: String) throws -> Normalizer {
        guard let json else { return .none }
        let type = try json.string("type")
        switch type {
        case "NFC":
            return .nfc
        case "Sequence":
            return .sequence(try json.objects("normalizers").map { try parse($0, file: file) })
        default:
            throw TokenizerError.unsupported(file: file, component: "normalizer", type: type)
        }
    }

    func apply(_ text: String) -> String {
        switch self {
        case .none:
            return text
        case .nfc:
            return text.precomposedStringWithCanonicalMapping
        case let .sequence(steps):
            return steps.reduce(text) { $1.apply($0) }
        }
    }
}
