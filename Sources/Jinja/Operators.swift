import Foundation

/// Python's arithmetic and comparison operators on template values.
enum Operators {
    static func typeError(_ op: String, _ a: Value, _ b: Value) -> EvalError {
        if case let .undefined(reason) = a { return .runtime(reason) }
        if case let .undefined(reason) = b { return .runtime(reason) }
        return .runtime("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    static func negate(_ v: Value) throws -> Value {
        switch v.number {
        case let .int(i)?:
            guard i != Int.min else { throw EvalError.unsupported("integer arithmetic beyond 64 bits") }
            return .int(-i)
        case let .float(d)?: return .float(-d)
        case nil:
            if case let .undefined(reason) = v { throw EvalError.runtime(reason) }
            throw EvalError.runtime("bad operand type for unary -: '\(v.typeName)'")
        }
    }

    static func binary(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        if op == .concat { return .string(a.pyStr + b.pyStr) }
        if case .markup = a { return try markupBinary(op, a, b) }
        if case .markup = b { return try markupBinary(op, a, b) }
        switch (op, a, b) {
        case let (.add, .string(x), .string(y)): return .string(x + y)
        case let (.add, .list(x), .list(y)): return .list(x + y)
        case let (.add, .tuple(x), .tuple(y)): return .tuple(x + y)
        case let (.mul, .string(s), n), let (.mul, n, .string(s)):
            guard case let .int(k)? = n.number else { break }
            return .string(try Limits.repeated(s, k))
        case let (.mul, .list(l), n), let (.mul, n, .list(l)):
            guard case let .int(k)? = n.number else { break }
            if k > 0 { try Limits.check(l.count, times: k) }
            return .list(k > 0 ? Array([[Value]](repeating: l, count: k).joined()) : [])
        case let (.mod, .string(format), args):
            return .string(try percentFormat(format, args))
        default: break
        }
        guard let x = a.number, let y = b.number else { throw typeError(op.rawValue, a, b) }
        if case let .int(i) = x, case let .int(j) = y {
            switch op {
            case .add: return try checked(i.addingReportingOverflow(j))
            case .sub: return try checked(i.subtractingReportingOverflow(j))
            case .mul: return try checked(i.multipliedReportingOverflow(by: j))
            case .div:
                guard j != 0 else { throw EvalError.runtime("division by zero") }
                return .float(Double(i) / Double(j))
            case .floorDiv:
                guard j != 0 else { throw EvalError.runtime("integer division or modulo by zero") }
                if j == -1 { return try checked(0.subtractingReportingOverflow(i)) }
                let q = i / j
                return .int((i % j != 0 && ((i < 0) != (j < 0))) ? q - 1 : q)
            case .mod:
                guard j != 0 else { throw EvalError.runtime("integer division or modulo by zero") }
                if j == -1 { return .int(0) }
                let r = i % j
                return .int(r != 0 && ((r < 0) != (j < 0)) ? r + j : r)
            case .pow:
                if j < 0 { return .float(pow(Double(i), Double(j))) }
                // Exponentiation by squaring, failing on the first overflow.
                var (result, base, e) = (1, i, j)
                while e > 0 {
                    if e & 1 == 1 { result = try checkedInt(result.multipliedReportingOverflow(by: base)) }
                    e >>= 1
                    if e > 0 { base = try checkedInt(base.multipliedReportingOverflow(by: base)) }
                }
                return .int(result)
            default: break
            }
        }
        let p = x.double, q = y.double
        switch op {
        case .add: return .float(p + q)
        case .sub: return .float(p - q)
        case .mul: return .float(p * q)
        case .div:
            guard q != 0 else { throw EvalError.runtime("float division by zero") }
            return .float(p / q)
        case .floorDiv:
            guard q != 0 else { throw EvalError.runtime("float floor division by zero") }
            return .float((p / q).rounded(.down))
        case .mod:
            guard q != 0 else { throw EvalError.runtime("float modulo") }
            let r = fmod(p, q)
            return .float(r != 0 && ((r < 0) != (q < 0)) ? r + q : r)
        case .pow: return .float(pow(p, q))
        default: throw typeError(op.rawValue, a, b)
        }
    }

    /// Markup's operators: `+` escapes the plain-string side and stays Markup.
    private static func markupBinary(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        if op == .add {
            func side(_ v: Value) throws -> String {
                switch v {
                case let .markup(s): return s
                case let .string(s): return htmlEscape(s)
                default: throw typeError("+", a, b)
                }
            }
            return .markup(try side(a) + (try side(b)))
        }
        let result = try binary(op, a.plain, b.plain)
        if op == .mul, case let .string(s) = result { return .markup(s) }
        return result
    }

    /// markupsafe's escape.
    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    private static func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> Value {
        .int(try checkedInt(r))
    }

    private static func checkedInt(_ r: (partialValue: Int, overflow: Bool)) throws -> Int {
        guard !r.overflow else { throw EvalError.unsupported("integer arithmetic beyond 64 bits") }
        return r.partialValue
    }

    static func compare(_ op: CompareOp, _ a: Value, _ b: Value) throws -> Bool {
        switch op {
        case .eq: return pyEqual(a, b)
        case .ne: return !pyEqual(a, b)
        case .in: return try contains(b, a)
        case .notIn: return !(try contains(b, a))
        case .lt, .le, .gt, .ge:
            let (x, y) = (op == .lt || op == .le) ? (a, b) : (b, a)
            guard let less = pyLess(x, y) else {
                if case let .undefined(reason) = a { throw EvalError.runtime(reason) }
                if case let .undefined(reason) = b { throw EvalError.runtime(reason) }
                throw EvalError.runtime("'\(op.rawValue)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
            }
            if op == .lt || op == .gt { return less }
            return less || pyEqual(a, b)
        }
    }

    /// Python `needle in container`.
    static func contains(_ container: Value, _ needleValue: Value) throws -> Bool {
        let needle = needleValue.plain
        switch container.plain {
        case let .string(s):
            guard case let .string(n) = needle else {
                if case let .undefined(reason) = needle { throw EvalError.runtime(reason) }
                throw EvalError.runtime("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return PyString.find(s, n) != nil
        case let .list(a), let .tuple(a), let .iterator(a): return a.contains { pyEqual($0, needle) }
        case let .dict(d): return d[needle] != nil
        case let .namespace(n): return n.attributes[needle] != nil
        case .undefined: return false
        default: throw EvalError.runtime("argument of type '\(container.typeName)' is not iterable")
        }
    }

    /// `"..." % args`: the `%s`/`%d`/`%r`/`%%` conversions.
    static func percentFormat(_ format: String, _ args: Value) throws -> String {
        var values: [Value]
        if case let .tuple(t) = args { values = t } else { values = [args] }
        var out = ""
        var it = format.makeIterator()
        while let c = it.next() {
            guard c == "%" else { out.append(c); continue }
            guard let spec = it.next() else { throw EvalError.runtime("incomplete format") }
            if spec == "%" { out.append("%"); continue }
            guard !values.isEmpty else { throw EvalError.runtime("not enough arguments for format string") }
            let v = values.removeFirst()
            switch spec {
            case "s": out += v.pyStr
            case "r": out += v.pyRepr
            case "d", "i":
                guard let n = v.number else { throw EvalError.runtime("%d format: a real number is required, not \(v.typeName)") }
                switch n {
                case let .int(i): out += String(i)
                case let .float(d): out += String(Int(d))
                }
            default: throw EvalError.unsupported("'%\(spec)' string formatting")
            }
        }
        if !values.isEmpty { throw EvalError.runtime("not all arguments converted during string formatting") }
        return out
    }
}

extension Interpreter {
    /// `x.name`: jinja2's `getattr` (the attribute first, then the item).
    func getAttribute(_ value: Value, _ name: String) throws -> Value {
        let v = value.plain
        switch v {
        case let .undefined(reason):
            throw EvalError.runtime(reason)
        case let .dict(d):
            if let m = Methods.dictMethod(d, name) { return m }
            return d[name] ?? .undefined(reason: "'dict object' has no attribute '\(name)'")
        case let .namespace(n):
            return n.attributes[name] ?? .undefined(reason: "'Namespace' object has no attribute '\(name)'")
        case let .loop(state):
            return try loopAttribute(state, name)
        case let .string(s):
            return try Methods.stringMethod(s, name) ?? .undefined(reason: "'str object' has no attribute '\(name)'")
        case let .list(a):
            return try Methods.listMethod(a, name, type: "list") ?? .undefined(reason: "'list object' has no attribute '\(name)'")
        case let .tuple(a):
            return try Methods.listMethod(a, name, type: "tuple") ?? .undefined(reason: "'tuple object' has no attribute '\(name)'")
        case .none:
            return .undefined(reason: "'None' has no attribute '\(name)'")
        default:
            return .undefined(reason: "'\(v.typeName) object' has no attribute '\(name)'")
        }
    }

    /// `x[key]`: jinja2's `getitem` (the item first, then for a string key the attribute).
    func getItem(_ value: Value, _ keyValue: Value) throws -> Value {
        let v = value.plain, key = keyValue.plain
        switch v {
        case let .undefined(reason):
            throw EvalError.runtime(reason)
        case let .dict(d):
            if let found = d[key] { return found }
        case let .list(a), let .tuple(a):
            if case let .int(i)? = key.number {
                let j = i < 0 ? i + a.count : i
                if j >= 0 && j < a.count { return a[j] }
                return .undefined(reason: "'\(v.typeName) object' has no element \(i)")
            }
        case let .string(s):
            if case let .int(i)? = key.number {
                let scalars = Array(s.unicodeScalars)
                let j = i < 0 ? i + scalars.count : i
                if j >= 0 && j < scalars.count { return .string(String(scalars[j])) }
                return .undefined(reason: "'str object' has no element \(i)")
            }
        default:
            break
        }
        if case let .string(name) = key { return try getAttribute(v, name) }
        return .undefined(reason: "'\(v.typeName) object' has no element \(key.pyRepr)")
    }

    func slice(_ v: Value, _ start: Value?, _ stop: Value?, _ step: Value?) throws -> Value {
        func intOrNil(_ x: Value?) throws -> Int? {
            guard let x else { return nil }
            if case .none = x { return nil }
            guard case let .int(i)? = x.number else { throw EvalError.runtime("slice indices must be integers or None") }
            return i
        }
        let indices = { (count: Int) throws -> [Int] in
            let st = try intOrNil(step) ?? 1
            guard st != 0 else { throw EvalError.runtime("slice step cannot be zero") }
            func clamp(_ x: Int?, _ dflt: Int) -> Int {
                guard var x else { return dflt }
                if x < 0 { x += count }
                if st > 0 { return min(max(x, 0), count) }
                return min(max(x, -1), count - 1)
            }
            var result: [Int] = []
            if st > 0 {
                var i = clamp(try intOrNil(start), 0)
                let end = clamp(try intOrNil(stop), count)
                while i < end { result.append(i); i += st }
            } else {
                var i = clamp(try intOrNil(start), count - 1)
                let end = clamp(try intOrNil(stop), -1)
                while i > end { result.append(i); i += st }
            }
            return result
        }
        switch v.plain {
        case let .list(a): return .list(try indices(a.count).map { a[$0] })
        case let .tuple(a): return .tuple(try indices(a.count).map { a[$0] })
        case let .string(s):
            let scalars = Array(s.unicodeScalars)
            var view = String.UnicodeScalarView()
            for i in try indices(scalars.count) { view.append(scalars[i]) }
            return .string(String(view))
        case let .undefined(reason): throw EvalError.runtime(reason)
        default: return .undefined(reason: "'\(v.typeName) object' is not subscriptable")
        }
    }

    private func loopAttribute(_ state: LoopState, _ name: String) throws -> Value {
        let n = state.items.count
        let i = state.index0
        switch name {
        case "index": return .int(i + 1)
        case "index0": return .int(i)
        case "revindex": return .int(n - i)
        case "revindex0": return .int(n - i - 1)
        case "first": return .bool(i == 0)
        case "last": return .bool(i == n - 1)
        case "length": return .int(n)
        case "depth": return .int(state.depth0 + 1)
        case "depth0": return .int(state.depth0)
        case "previtem": return i > 0 ? state.items[i - 1] : .undefined(reason: "there is no previous item")
        case "nextitem": return i + 1 < n ? state.items[i + 1] : .undefined(reason: "there is no next item")
        case "cycle":
            return .callable(Callable(name: "cycle") { args, _ in
                guard !args.isEmpty else { throw EvalError.runtime("no items for cycling given") }
                return args[i % args.count]
            })
        case "changed":
            return Methods.unsupportedMethod(name, "loop")
        default:
            return .undefined(reason: "'LoopContext object' has no attribute '\(name)'")
        }
    }
}
