import Foundation
import Jinja
@testable import Tokenizers

/// Goldens as template values, key order kept (Python dicts keep it, and `tojson` and `str()` of a
/// dict print keys in that order; Foundation's JSONSerialization does not keep it). Parsed with the
/// Tokenizers target's order-preserving JSON reader.
enum GoldenJSON {
    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ data: Data) throws -> Value {
        value(try JSONValue.parse(Array(data)))
    }

    private static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: return .none
        case let .bool(b): return .bool(b)
        case let .int(i): return .int(i)
        case let .double(d): return .float(d)
        case let .string(s): return .string(s)
        case let .array(a): return .list(a.map(value))
        case let .object(members):
            var d = OrderedDict()
            for (k, v) in members { d[.string(k)] = value(v) }
            return .dict(d)
        }
    }
}
