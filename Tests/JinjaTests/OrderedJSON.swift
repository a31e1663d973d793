import Foundation
@testable import Jinja

/// Parses JSON into template values keeping object key order (Python dicts keep it, and `tojson` and
/// `str()` of a dict print keys in that order; Foundation's JSONSerialization does not keep it).
struct OrderedJSON {
    private let bytes: [UInt8]
    private var i = 0

    static func parse(_ data: Data) throws -> Value {
        var p = OrderedJSON(bytes: Array(data))
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("trailing characters") }
        return v
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    private func error(_ m: String) -> ParseError { ParseError(description: "JSON at byte \(i): \(m)") }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
    }

    private mutating func value() throws -> Value {
        skipSpace()
        guard i < bytes.count else { throw error("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var d = OrderedDict()
            skipSpace()
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .dict(d) }
            while true {
                skipSpace()
                guard case let .string(k) = try value() else { throw error("object key must be a string") }
                skipSpace()
                guard bytes[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
                i += 1
                d[.string(k)] = try value()
                skipSpace()
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "}") else { throw error("expected '}'") }
                i += 1
                return .dict(d)
            }
        case UInt8(ascii: "["):
            i += 1
            var a: [Value] = []
            skipSpace()
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .list(a) }
            while true {
                a.append(try value())
                skipSpace()
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "]") else { throw error("expected ']'") }
                i += 1
                return .list(a)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): i += 4; return .bool(true)
        case UInt8(ascii: "f"): i += 5; return .bool(false)
        case UInt8(ascii: "n"): i += 4; return .none
        default:
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if let n = Int(text) { return .int(n) }
            guard let d = Double(text) else { throw error("bad number \(text)") }
            return .float(d)
        }
    }

    private mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") {
                i += 1
                let c = bytes[i]
                i += 1
                switch c {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) ?? 0xFFFD
                    i += 4
                    if code >= 0xD800 && code < 0xDC00, bytes[i] == UInt8(ascii: "\\") {
                        let low = UInt32(String(decoding: bytes[i + 2..<i + 6], as: UTF8.self), radix: 16) ?? 0
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                    out += Array(String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8)
                default: out.append(c)
                }
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        i += 1
        return String(decoding: out, as: UTF8.self)
    }
}
