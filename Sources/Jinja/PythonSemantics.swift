import Foundation

// Python's str(), repr(), ==, < and whitespace, as jinja2 applies them to template values.

/// Python string equality: code point by code point (Swift's `==` treats canonically equivalent
/// strings as equal, Python does not).
func pyStringEqual(_ a: String, _ b: String) -> Bool {
    a.utf8.elementsEqual(b.utf8)
}

/// Python `==`.
func pyEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a.plain, b.plain) {
    case let (.string(x), .string(y)): return pyStringEqual(x, y)
    case (.none, .none): return true
    case (.undefined, .undefined): return true
    case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
        return x.count == y.count && zip(x, y).allSatisfy { pyEqual($0, $1) }
    case let (.dict(x), .dict(y)):
        guard x.count == y.count else { return false }
        for (k, v) in x.pairs {
            guard let w = y[k], pyEqual(v, w) else { return false }
        }
        return true
    case let (.namespace(x), .namespace(y)): return x === y
    case let (.callable(x), .callable(y)): return x === y
    case let (.loop(x), .loop(y)): return x === y
    default:
        if let x = a.number, let y = b.number { return x == y }
        return false
    }
}

extension Value {
    /// Python `==` (not Equatable: Python equality is not an equivalence across types, e.g. 1 == 1.0 == True).
    static func == (a: Value, b: Value) -> Bool { pyEqual(a, b) }
}

/// A number as Python's numeric tower sees it (bool is an int).
enum PyNumber: Equatable {
    case int(Int)
    case float(Double)
    var double: Double {
        switch self {
        case let .int(i): return Double(i)
        case let .float(d): return d
        }
    }
    static func == (a: PyNumber, b: PyNumber) -> Bool {
        if case let .int(x) = a, case let .int(y) = b { return x == y }
        return a.double == b.double
    }
}

extension Value {
    var number: PyNumber? {
        switch self {
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)
        case let .float(d): return .float(d)
        default: return nil
        }
    }
}

/// Python `<` (and friends via `pyCompare`): numbers, strings by code point, sequences lexicographically.
/// Returns nil where Python raises TypeError.
func pyLess(_ a: Value, _ b: Value) -> Bool? {
    switch (a.plain, b.plain) {
    case let (.string(x), .string(y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
    case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
        for (p, q) in zip(x, y) where !pyEqual(p, q) { return pyLess(p, q) }
        return x.count < y.count
    default:
        guard let x = a.number, let y = b.number else { return nil }
        if case let .int(i) = x, case let .int(j) = y { return i < j }
        return x.double < y.double
    }
}

/// Python's `str.isspace()` for one code point.
func pyIsSpace(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}

/// Python `float.__repr__`: the shortest round-tripping digits (as Swift's description), with
/// Python's spelling of infinities and exponents.
func pyFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    var s = "\(d)"
    // Python switches to exponent notation from 1e16 and below 1e-4; Swift agrees on those bounds,
    // but writes "1e-05" the same way and "5e-324" the same way; make sure a mantissa without a
    // point has none added (Python: 1e+16).
    if let e = s.firstIndex(of: "e") {
        var mantissa = String(s[..<e])
        var exponent = String(s[s.index(after: e)...])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        let negative = exponent.hasPrefix("-")
        if exponent.hasPrefix("-") || exponent.hasPrefix("+") { exponent.removeFirst() }
        if exponent.count < 2 { exponent = "0" + exponent }
        s = mantissa + "e" + (negative ? "-" : "+") + exponent
    }
    return s
}

/// Python `repr(str)`.
func pyStringRepr(_ s: String) -> String {
    let useDouble = s.contains("'") && !s.contains("\"")
    let quote: Character = useDouble ? "\"" : "'"
    var out = String(quote)
    for c in s.unicodeScalars {
        switch c {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if c == quote.unicodeScalars.first! {
                out += "\\" + String(quote)
            } else if c.value < 0x20 || c.value == 0x7F {
                out += String(format: "\\x%02x", c.value)
            } else if c.value >= 0x80 && !pyIsPrintable(c) {
                if c.value <= 0xFF {
                    out += String(format: "\\x%02x", c.value)
                } else if c.value <= 0xFFFF {
                    out += String(format: "\\u%04x", c.value)
                } else {
                    out += String(format: "\\U%08x", c.value)
                }
            } else {
                out.unicodeScalars.append(c)
            }
        }
    }
    out.append(quote)
    return out
}

/// Python's `str.isprintable()` for one non-ASCII code point: not a separator (other than space) nor
/// an "other" category character.
private func pyIsPrintable(_ c: Unicode.Scalar) -> Bool {
    switch c.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
        return false
    default:
        return true
    }
}

extension Value {
    /// Python `str(x)`: what `{{ x }}`, `~` and `|string` produce.
    public var pyStr: String {
        switch self {
        case .undefined: return ""
        case let .string(s), let .markup(s): return s
        default: return pyRepr
        }
    }

    /// Python `repr(x)`: how values print inside lists and dicts.
    var pyRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(i): return String(i)
        case let .float(d): return pyFloatRepr(d)
        case let .string(s): return pyStringRepr(s)
        case let .markup(s): return "Markup(\(pyStringRepr(s)))"
        case .iterator: return "<generator object>"
        case let .list(a): return "[" + a.map(\.pyRepr).joined(separator: ", ") + "]"
        case let .tuple(a): return "(" + a.map(\.pyRepr).joined(separator: ", ") + (a.count == 1 ? ",)" : ")")
        case let .dict(d): return Value.dictRepr(d)
        case let .namespace(n): return "<Namespace \(Value.dictRepr(n.attributes))>"
        case let .callable(c): return "<function \(c.name)>"
        case .loop: return "<LoopContext>"
        }
    }

    private static func dictRepr(_ d: OrderedDict) -> String {
        "{" + d.pairs.map { "\($0.pyRepr): \($1.pyRepr)" }.joined(separator: ", ") + "}"
    }
}
