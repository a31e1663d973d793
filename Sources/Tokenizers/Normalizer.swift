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

    /// NFC through the standard library's own normaliser. Foundation's `precomposedStringWithCanonicalMapping`
    /// is wrong on Linux (swift-corelibs-foundation, Swift 6.3): a supplementary-plane character followed by a
    /// combining mark loses its upper bits ("\u{10053}\u{0323}" becomes "Ṣ"), found on a 20k-line random corpus.
    static func nfc(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }  // ASCII is always NFC
        return String(decoding: text._nfcCodeUnits, as: UTF8.self)
    }

    func apply(_ text: String) -> String {
        switch self {
        case .none:
            return text
        case .nfc:
            return Self.nfc(text)
        case let .sequence(steps):
            return steps.reduce(text) { $1.apply($0) }
        }
    }
}
