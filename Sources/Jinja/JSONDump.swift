import Foundation

/// Python's `json.dumps`, as transformers' `tojson` filter calls it
/// (`ensure_ascii=False, indent=None, separators=None, sort_keys=False` by default).
enum JSONDump {
    static func dumps(_ v: Value, ensureASCII: Bool, indent: Value, separators: Value, sortKeys: Bool) throws -> String {
        var indentString: String?
        switch indent {
        case .none: indentString = nil
        case let .string(s): indentString = s
        default:
            guard case let .int(n)? = indent.number else { throw EvalError.runtime("tojson: indent must be an integer or a string") }
            indentString = try Limits.repeated(" ", max(n, 0))
        }
        var itemSeparator = indentString == nil ? ", " : ","
        var keySeparator = ": "
        switch separators {
        case .none: break
        case let .list(p), let .tuple(p):
            guard p.count == 2, case let .string(a) = p[0], case let .string(b) = p[1] else {
                throw EvalError.runtime("tojson: separators must be a pair of strings")
            }
            itemSeparator = a
            keySeparator = b
        default: throw EvalError.runtime("tojson: separators must be a pair of strings")
        }
        var out = ""
        try write(v, &out, ensureASCII: ensureASCII, indent: indentString, level: 0, item: itemSeparator, key: keySeparator, sortKeys: sortKeys)
        return out
    }

    private static func write(_ v: Value, _ out: inout String, ensureASCII: Bool, indent: String?, level: Int,
                              item: String, key: String, sortKeys: Bool) throws {
        switch v.plain {
        case .none: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .float(d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else { out += pyFloatRepr(d) }
        case let .string(s): writeString(s, &out, ensureASCII: ensureASCII)
        case let .list(a), let .tuple(a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            let inner = indent.map { "\n" + String(repeating: $0, count: level + 1) }
            for (i, e) in a.enumerated() {
                out += i == 0 ? (inner ?? "") : item + (inner ?? "")
                try write(e, &out, ensureASCII: ensureASCII, indent: indent, level: level + 1, item: item, key: key, sortKeys: sortKeys)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "]"
        case let .dict(d):
            try writeObject(Array(d.pairs), &out, ensureASCII: ensureASCII, indent: indent, level: level, item: item, key: key, sortKeys: sortKeys)
        case let .undefined(reason):
            _ = reason
            throw EvalError.runtime("Object of type Undefined is not JSON serializable")
        default:
            throw EvalError.runtime("Object of type \(v.typeName) is not JSON serializable")
        }
    }

    private static func writeObject(_ pairs: [(Value, Value)], _ out: inout String, ensureASCII: Bool, indent: String?, level: Int,
                                    item: String, key: String, sortKeys: Bool) throws {
        if pairs.isEmpty { out += "{}"; return }
        var entries: [(String, Value)] = try pairs.map { k, v in
            switch k {
            case let .string(s): return (s, v)
            case .none: return ("null", v)
            case let .bool(b): return (b ? "true" : "false", v)
            case let .int(i): return (String(i), v)
            case let .float(d): return (pyFloatRepr(d), v)
            default: throw EvalError.runtime("keys must be str, int, float, bool or None, not \(k.typeName)")
            }
        }
        if sortKeys { entries.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) } }
        out += "{"
        let inner = indent.map { "\n" + String(repeating: $0, count: level + 1) }
        for (i, (k, v)) in entries.enumerated() {
            out += i == 0 ? (inner ?? "") : item + (inner ?? "")
            writeString(k, &out, ensureASCII: ensureASCII)
            out += key
            try write(v, &out, ensureASCII: ensureASCII, indent: indent, level: level + 1, item: item, key: key, sortKeys: sortKeys)
        }
        if let indent { out += "\n" + String(repeating: indent, count: level) }
        out += "}"
    }

    static func writeString(_ s: String, _ out: inout String, ensureASCII: Bool) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value < 0x20 || (ensureASCII && c.value > 0x7E) {
                    if c.value > 0xFFFF {
                        let v = c.value - 0x10000
                        out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    } else {
                        out += String(format: "\\u%04x", c.value)
                    }
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        out += "\""
    }
}
