/// A configuration problem, naming the file, the line (when it can be found) and the key.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case tooLarge(file: String, bytes: Int64, limit: Int)
    case syntax(file: String, line: Int, column: Int, message: String)
    case unknownKey(file: String, line: Int?, key: String, known: [String])
    case wrongType(file: String, line: Int?, key: String, expected: String)
    case invalidValue(file: String, line: Int?, key: String, reason: String)

    public var file: String {
        switch self {
        case .unreadable(let file, _), .tooLarge(let file, _, _), .syntax(let file, _, _, _), .unknownKey(let file, _, _, _),
             .wrongType(let file, _, _, _), .invalidValue(let file, _, _, _):
            return file
        }
    }

    /// The 1-based line the problem is on, when known.
    public var line: Int? {
        switch self {
        case .unreadable, .tooLarge: return nil
        case .syntax(_, let line, _, _): return line
        case .unknownKey(_, let line, _, _), .wrongType(_, let line, _, _), .invalidValue(_, let line, _, _): return line
        }
    }

    /// The dotted key the problem is about (`inbox[2].max_tokens`), when there is one.
    public var key: String? {
        switch self {
        case .unreadable, .tooLarge, .syntax: return nil
        case .unknownKey(_, _, let key, _), .wrongType(_, _, let key, _), .invalidValue(_, _, let key, _): return key
        }
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        switch self {
        case .unreadable(_, let reason):
            return "\(file): cannot read the configuration: \(reason)"
        case .tooLarge(_, let bytes, let limit):
            return "\(file): \(bytes) bytes is larger than the \(limit / 1024) KiB limit for this file; not read"
        case .syntax(_, _, let column, let message):
            return "\(place):\(column): not valid TOML: \(message)"
        case .unknownKey(_, _, let key, let known):
            return "\(place): unknown key '\(key)' (allowed here: \(known.joined(separator: ", ")))"
        case .wrongType(_, _, let key, let expected):
            return "\(place): key '\(key)' must be \(expected)"
        case .invalidValue(_, _, let key, let reason):
            return "\(place): key '\(key)': \(reason)"
        }
    }
}
