/// The name a model is known by in the configuration (`[models.NAME]`, `model = "NAME"` in an inbox or
/// a folder tag, `--model NAME`): letters, digits, `_`, `-` and `.`, starting with a letter or digit,
/// at most 64 characters. `qwen` and `aya` are always defined (checkpoints under the state directory).
public struct ModelName: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// nil when `rawValue` is not a valid name (see `rule`).
    public init?(rawValue: String) {
        guard Self.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// Qwen2-VL-OCR-2B: the default, fast enough for every inbox.
    public static let qwen = ModelName(known: "qwen")
    /// Aya Vision 8B: slower, for folders tagged for it.
    public static let aya = ModelName(known: "aya")
    /// The names every configuration has, in the order `scrawl models list` shows them.
    public static let builtIn: [ModelName] = [.qwen, .aya]

    /// What a valid name looks like, for error messages.
    public static let rule = "letters, digits, _, - and . (at most 64), starting with a letter or digit"

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private init(known: String) { rawValue = known }

    public var description: String { rawValue }
    public static func < (a: ModelName, b: ModelName) -> Bool { a.rawValue < b.rawValue }
}
