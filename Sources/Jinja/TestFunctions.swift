/// The jinja2 tests (`x is defined`, `x is string`, ...).
extension Interpreter {
    func applyTest(_ name: String, _ original: Value, _ args: [Value]) throws -> Bool {
        let v = original.plain
        func arg() throws -> Value {
            guard let a = args.first else { throw EvalError.runtime("test '\(name)' needs an argument") }
            return a
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true }; return false
        case "boolean": if case .bool = v { return true }; return false
        case "true": if case .bool(true) = v { return true }; return false
        case "false": if case .bool(false) = v { return true }; return false
        case "integer": if case .int = v { return true }; return false
        case "float": if case .float = v { return true }; return false
        case "number": return v.number != nil
        case "string": if case .string = v { return true }; return false
        case "mapping": if case .dict = v { return true }; return false
        case "iterable":
            switch v {
            case .string, .list, .tuple, .dict, .undefined, .namespace, .iterator: return true
            default: return false
            }
        case "sequence":
            switch v {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "callable":
            switch v {
            case .callable: return true
            case .loop(let s): return s.recurse != nil
            default: return false
            }
        case "sameas":
            let other = try arg()
            switch (v, other) {
            case (.none, .none): return true
            case let (.bool(x), .bool(y)): return x == y
            case let (.namespace(x), .namespace(y)): return x === y
            default: return false
            }
        case "eq", "equalto", "==": return pyEqual(v, try arg())
        case "ne", "!=": return !pyEqual(v, try arg())
        case "lt", "lessthan", "<": return try Operators.compare(.lt, v, try arg())
        case "le", "<=": return try Operators.compare(.le, v, try arg())
        case "gt", "greaterthan", ">": return try Operators.compare(.gt, v, try arg())
        case "ge", ">=": return try Operators.compare(.ge, v, try arg())
        case "in": return try Operators.contains(try arg(), v)
        case "odd", "even", "divisibleby":
            guard case let .int(i)? = v.number else { throw EvalError.runtime("test '\(name)' needs an integer, got \(v.typeName)") }
            if name == "odd" { return i % 2 != 0 }
            if name == "even" { return i % 2 == 0 }
            guard case let .int(d)? = try arg().number, d != 0 else { throw EvalError.runtime("divisibleby needs a non-zero integer") }
            return i % d == 0
        case "lower":
            let s = v.pyStr
            return s.lowercased() == s
        case "upper":
            let s = v.pyStr
            return s.uppercased() == s
        case "escaped": if case .markup = original { return true }; return false
        case "filter", "test": 
            guard case let .string(n) = v else { return false }
            return name == "filter" ? Self.knownFilters.contains(n) : Self.knownTests.contains(n)
        default:
            throw EvalError.unsupported("test '\(name)'")
        }
    }

    static let knownFilters: Set<String> = ["string", "trim", "lower", "upper", "capitalize", "title", "replace", "length", "count",
        "default", "d", "tojson", "join", "first", "last", "list", "reverse", "items", "dictsort", "sort", "unique", "map",
        "selectattr", "rejectattr", "select", "reject", "int", "float", "abs", "round", "sum", "min", "max", "indent",
        "batch", "center", "wordcount", "format", "attr", "escape", "e", "forceescape", "safe"]
    static let knownTests: Set<String> = ["defined", "undefined", "none", "boolean", "true", "false", "integer", "float",
        "number", "string", "mapping", "iterable", "sequence", "callable", "sameas", "eq", "equalto", "==", "ne", "!=",
        "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "odd", "even", "divisibleby",
        "lower", "upper", "escaped", "filter", "test"]
}
