import Foundation

/// The jinja2 filters chat templates use, with transformers' own `tojson`.
enum Filters {
    /// The elements a filter iterates (Python `list(x)`).
    static func items(of v: Value) throws -> [Value] {
        switch v.plain {
        case let .list(a), let .tuple(a), let .iterator(a): return a
        case let .dict(d): return d.keys
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        default: throw EvalError.runtime("'\(v.typeName)' object is not iterable")
        }
    }

    static func length(_ v: Value) throws -> Int {
        switch v.plain {
        case let .string(s): return s.unicodeScalars.count
        case let .list(a), let .tuple(a): return a.count
        case let .dict(d): return d.count
        case let .namespace(n): return n.attributes.count
        case .undefined: return 0
        default: throw EvalError.runtime("object of type '\(v.typeName)' has no len()")
        }
    }

    /// jinja2's `do_int`: strings parse in `base` (or as a float, truncated), failures give `default`.
    static func toInt(_ v: Value, default d: Value, base: Int) -> Value {
        switch v {
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)
        case let .float(x): return x.isFinite && abs(x) < 9.2e18 ? .int(Int(x)) : d
        case let .string(s):
            var t = PyString.strip(s, nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
            var negative = false
            if t.hasPrefix("-") || t.hasPrefix("+") { negative = t.hasPrefix("-"); t.removeFirst() }
            var radix = base
            // Python's int(s, base) accepts the 0x/0o/0b prefix of its base; base 0 takes it from the prefix.
            for (prefix, b) in [("0x", 16), ("0o", 8), ("0b", 2)] where t.lowercased().hasPrefix(prefix) && (base == b || base == 0) {
                t.removeFirst(2)
                radix = b
            }
            if radix == 0 { radix = 10 }
            if (2...36).contains(radix), let i = Int(t, radix: radix) { return .int(negative ? -i : i) }
            if negative { t = "-" + t }
            if base == 10, let x = Double(t), x.isFinite, abs(x) < 9.2e18 { return .int(Int(x)) }
            return d
        default: return d
        }
    }

    static func toFloat(_ v: Value, default d: Value) -> Value {
        switch v {
        case let .int(i): return .float(Double(i))
        case let .bool(b): return .float(b ? 1 : 0)
        case let .float(x): return .float(x)
        case let .string(s):
            let t = PyString.strip(s, nil, leading: true, trailing: true)
            if let x = Double(t) { return .float(x) }
            switch t.lowercased() {
            case "inf", "+inf", "infinity": return .float(.infinity)
            case "-inf", "-infinity": return .float(-.infinity)
            case "nan": return .float(.nan)
            default: return d
            }
        default: return d
        }
    }

    /// The key jinja2's sort/dictsort/unique compare by: strings lower-cased unless case-sensitive.
    static func sortKey(_ v: Value, caseSensitive: Bool) -> Value {
        if !caseSensitive, case let .string(s) = v { return .string(s.lowercased()) }
        return v
    }

    static func sorted(_ items: [Value], key: (Value) throws -> Value, reverse: Bool) throws -> [Value] {
        var failure: Error?
        let keyed = try items.map { (try key($0), $0) }
        // A stable sort (Python's sort is stable, also when reversed).
        let order = keyed.indices.sorted { i, j in
            guard let less = pyLess(keyed[i].0, keyed[j].0) else {
                failure = EvalError.runtime("'<' not supported between instances of '\(keyed[i].0.typeName)' and '\(keyed[j].0.typeName)'")
                return i < j
            }
            if reverse {
                guard let greater = pyLess(keyed[j].0, keyed[i].0) else { return i < j }
                return greater || (!less && !greater && i < j)
            }
            if less { return true }
            if pyLess(keyed[j].0, keyed[i].0) == true { return false }
            return i < j
        }
        if let failure { throw failure }
        return order.map { keyed[$0].1 }
    }

    /// jinja2's `do_indent`.
    static func indent(_ s: String, width: String, first: Bool, blank: Bool) -> String {
        var text = s
        var newline = "\n"
        if text.hasSuffix("\n") {
            // jinja2 keeps a trailing newline out of the indentation.
            text.removeLast()
            newline = "\n"
            return indent(text, width: width, first: first, blank: blank) + newline
        }
        let lines = text.components(separatedBy: "\n")
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            if i == 0 {
                out.append(first && (blank || !line.isEmpty) ? width + line : line)
            } else if blank || !PyString.strip(line, nil, leading: true, trailing: true).isEmpty {
                out.append(width + line)
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }
}

extension Interpreter {
    /// An attribute path for selectattr/map/sort (`"a.b"`, numeric parts index), looked up as
    /// jinja2's `make_attrgetter` does (item first).
    func attributeGetter(_ path: Value, default fallback: Value? = nil) throws -> (Value) throws -> Value {
        let parts: [Value]
        switch path {
        case let .string(s):
            parts = try PyString.split(s, ".").map { p in Int(p).map(Value.int) ?? .string(p) }
        case let .int(i): parts = [.int(i)]
        default: throw EvalError.runtime("attribute must be a string or an integer")
        }
        return { item in
            var v = item
            for p in parts {
                v = try self.getItem(v, p)
                if let fallback, v.isUndefined { return fallback }
            }
            return v
        }
    }

    func applyFilter(_ name: String, _ original: Value, _ args: [Value], _ kwargs: [(String, Value)]) throws -> Value {
        func a(_ names: [String]) throws -> Arguments { try Arguments(name, args, kwargs, names) }
        if name == "safe" {
            if case .markup = original { return original }
            return .markup(original.pyStr)
        }
        if name == "escape" || name == "e" {
            if case .markup = original { return original }
            return .markup(Operators.htmlEscape(original.pyStr))
        }
        let value = original.plain
        switch name {
        case "string": return .string(value.pyStr)
        case "trim":
            let arg = try a(["chars"])
            return .string(PyString.strip(value.pyStr, try arg.string(0), leading: true, trailing: true))
        case "lower": return .string(value.pyStr.lowercased())
        case "upper": return .string(value.pyStr.uppercased())
        case "capitalize": return .string(PyString.capitalize(value.pyStr))
        case "title":
            // jinja2's do_title: capitalise each word split at whitespace and -[({<.
            var out = ""
            var atStart = true
            for c in value.pyStr.unicodeScalars {
                let boundary = pyIsSpace(c) || "-[({<".unicodeScalars.contains(c)
                out += atStart && !boundary ? String(c).uppercased() : String(c).lowercased()
                atStart = boundary
            }
            return .string(out)
        case "replace":
            let arg = try a(["old", "new", "count"])
            guard let old = arg.value(0), let new = arg.value(1) else { throw EvalError.runtime("replace() needs old and new") }
            return .string(PyString.replace(value.pyStr, old.pyStr, new.pyStr, count: try arg.int(2, default: -1)))
        case "length", "count":
            return .int(try Filters.length(value))
        case "default", "d":
            let arg = try a(["default_value", "boolean"])
            let fallback = arg.value(0) ?? .string("")
            if value.isUndefined || (arg.bool(1, default: false) && !value.isTruthy) { return fallback }
            return value
        case "tojson":
            let arg = try a(["ensure_ascii", "indent", "separators", "sort_keys"])
            return .string(try JSONDump.dumps(value, ensureASCII: arg.bool(0, default: false), indent: arg.value(1) ?? .none,
                                              separators: arg.value(2) ?? .none, sortKeys: arg.bool(3, default: false)))
        case "join":
            let arg = try a(["d", "attribute"])
            var items = try Filters.items(of: value)
            if let attr = arg.value(1), !(attr == .none) {
                let get = try attributeGetter(attr)
                items = try items.map(get)
            }
            return .string(items.map(\.pyStr).joined(separator: arg.value(0)?.pyStr ?? ""))
        case "first":
            let items = try Filters.items(of: value)
            return items.first ?? .undefined(reason: "No first item, sequence was empty.")
        case "last":
            let items = try Filters.items(of: value)
            return items.last ?? .undefined(reason: "No last item, sequence was empty.")
        case "list":
            return .list(try Filters.items(of: value))
        case "reverse":
            if case let .string(s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .iterator(try Filters.items(of: value).reversed())
        case "items":
            switch value {
            case .undefined: return .iterator([])
            case let .dict(d): return .iterator(d.pairs.map { .tuple([$0, $1]) })
            default: throw EvalError.runtime("Can only get item pairs from a mapping.")
            }
        case "dictsort":
            let arg = try a(["case_sensitive", "by", "reverse"])
            guard case let .dict(d) = value else { throw EvalError.runtime("dictsort: can only sort a mapping") }
            let byValue = try arg.string(1, default: "key") == "value"
            let caseSensitive = arg.bool(0, default: false)
            let pairs: [Value] = d.pairs.map { .tuple([$0, $1]) }
            return .list(try Filters.sorted(pairs, key: { p in
                guard case let .tuple(kv) = p else { return p }
                return Filters.sortKey(byValue ? kv[1] : kv[0], caseSensitive: caseSensitive)
            }, reverse: arg.bool(2, default: false)))
        case "sort":
            let arg = try a(["reverse", "case_sensitive", "attribute"])
            let caseSensitive = arg.bool(1, default: false)
            let get = try arg.value(2).flatMap { $0 == .none ? nil : $0 }.map { try attributeGetter($0) }
            return .list(try Filters.sorted(try Filters.items(of: value), key: { v in
                Filters.sortKey(try get?(v) ?? v, caseSensitive: caseSensitive)
            }, reverse: arg.bool(0, default: false)))
        case "unique":
            let arg = try a(["case_sensitive", "attribute"])
            let get = try arg.value(1).flatMap { $0 == .none ? nil : $0 }.map { try attributeGetter($0) }
            var seen: [Value] = []
            var out: [Value] = []
            for v in try Filters.items(of: value) {
                let k = Filters.sortKey(try get?(v) ?? v, caseSensitive: arg.bool(0, default: false))
                if !seen.contains(where: { pyEqual($0, k) }) { seen.append(k); out.append(v) }
            }
            return .iterator(out)
        case "map":
            // jinja2's map/select/reject iterate only a truthy value (None gives nothing).
            let items = value.isTruthy ? try Filters.items(of: value) : []
            if args.isEmpty {
                guard let attr = kwargs.first(where: { $0.0 == "attribute" })?.1 else { throw EvalError.runtime("map() needs a filter name or attribute=") }
                let get = try attributeGetter(attr, default: kwargs.first(where: { $0.0 == "default" })?.1)
                return .iterator(try items.map(get))
            }
            guard case let .string(filterName) = args[0] else { throw EvalError.runtime("map(): the filter name must be a string") }
            let rest = Array(args.dropFirst())
            return .iterator(try items.map { try applyFilter(filterName, $0, rest, kwargs) })
        case "selectattr", "rejectattr":
            guard let attr = args.first else { throw EvalError.runtime("\(name)() needs an attribute") }
            let get = try attributeGetter(attr)
            let select = name == "selectattr"
            return .iterator(try (value.isTruthy ? Filters.items(of: value) : []).filter { item in
                let v = try get(item)
                let ok: Bool
                if args.count > 1 {
                    guard case let .string(test) = args[1] else { throw EvalError.runtime("\(name)(): the test name must be a string") }
                    ok = try applyTest(test, v, Array(args.dropFirst(2)))
                } else {
                    ok = v.isTruthy
                }
                return ok == select
            })
        case "select", "reject":
            let select = name == "select"
            return .iterator(try (value.isTruthy ? Filters.items(of: value) : []).filter { v in
                let ok: Bool
                if let first = args.first {
                    guard case let .string(test) = first else { throw EvalError.runtime("\(name)(): the test name must be a string") }
                    ok = try applyTest(test, v, Array(args.dropFirst()))
                } else {
                    ok = v.isTruthy
                }
                return ok == select
            })
        case "int":
            let arg = try a(["default", "base"])
            return Filters.toInt(value, default: arg.value(0) ?? .int(0), base: try arg.int(1, default: 10))
        case "float":
            let arg = try a(["default"])
            return Filters.toFloat(value, default: arg.value(0) ?? .float(0))
        case "abs":
            switch value {
            case let .int(i):
                guard i != Int.min else { throw EvalError.unsupported("integer arithmetic beyond 64 bits") }
                return .int(abs(i))
            case let .bool(b): return .int(b ? 1 : 0)
            case let .float(d): return .float(abs(d))
            default: throw EvalError.runtime("bad operand type for abs(): '\(value.typeName)'")
            }
        case "round":
            let arg = try a(["precision", "method"])
            let precision = try arg.int(0, default: 0)
            let method = try arg.string(1, default: "common")!
            guard let n = value.number else { throw EvalError.runtime("round: a number is required") }
            if case let .int(i) = n, method == "common" { return .int(i) }
            let scale = pow(10.0, Double(precision))
            let x = n.double * scale
            let r: Double
            switch method {
            case "ceil": r = x.rounded(.up)
            case "floor": r = x.rounded(.down)
            default: r = x.rounded(.toNearestOrEven)  // Python's round()
            }
            return .float(r / scale)
        case "sum":
            let arg = try a(["attribute", "start"])
            var items = try Filters.items(of: value)
            if let attr = arg.value(0), !(attr == .none) { items = try items.map(try attributeGetter(attr)) }
            var total = arg.value(1) ?? .int(0)
            for v in items { total = try Operators.binary(.add, total, v) }
            return total
        case "min", "max":
            let arg = try a(["case_sensitive", "attribute"])
            let items = try Filters.items(of: value)
            guard !items.isEmpty else { return .undefined(reason: "No aggregated item, sequence was empty.") }
            let get = try arg.value(1).flatMap { $0 == .none ? nil : $0 }.map { try attributeGetter($0) }
            let sorted = try Filters.sorted(items, key: { Filters.sortKey(try get?($0) ?? $0, caseSensitive: arg.bool(0, default: false)) }, reverse: false)
            return name == "min" ? sorted.first! : sorted.last!
        case "indent":
            let arg = try a(["width", "first", "blank"])
            let width: String
            if case let .string(w)? = arg.value(0) { width = w } else { width = try Limits.repeated(" ", try arg.int(0, default: 4)) }
            return .string(Filters.indent(value.pyStr, width: width, first: arg.bool(1, default: false), blank: arg.bool(2, default: false)))
        case "batch":
            let arg = try a(["linecount", "fill_with"])
            let size = try arg.int(0, default: 1)
            guard size > 0 else { throw EvalError.runtime("batch size must be positive") }
            var out: [Value] = []
            var chunk: [Value] = []
            for v in try Filters.items(of: value) {
                chunk.append(v)
                if chunk.count == size { out.append(.list(chunk)); chunk = [] }
            }
            if !chunk.isEmpty {
                if let fill = arg.value(1), !(fill == .none) { while chunk.count < size { chunk.append(fill) } }
                out.append(.list(chunk))
            }
            return .iterator(out)
        case "center":
            let arg = try a(["width"])
            let s = value.pyStr
            let width = try arg.int(0, default: 80)
            let n = s.unicodeScalars.count
            guard width > n else { return .string(s) }
            try Limits.check(width, times: 1)
            let total = width - n
            let left = total / 2 + (total & width & 1)
            return .string(String(repeating: " ", count: left) + s + String(repeating: " ", count: total - left))
        case "wordcount":
            return .int(try PyString.split(value.pyStr, nil).count)
        case "format":
            if !kwargs.isEmpty { throw EvalError.unsupported("keyword arguments to filter 'format'") }
            return .string(try Operators.percentFormat(value.pyStr, args.count == 1 ? args[0] : .tuple(args)))
        case "attr":
            guard case let .string(n)? = args.first else { throw EvalError.runtime("attr() needs a name") }
            // Attributes only, never items (jinja2's do_attr uses getattr).
            if case let .dict(d) = value { return Methods.dictMethod(d, n) ?? .undefined(reason: "'dict object' has no attribute '\(n)'") }
            return try getAttribute(value, n)
        case "forceescape":
            return .markup(Operators.htmlEscape(value.pyStr))
        default:
            throw EvalError.unsupported("filter '\(name)'")
        }
    }
}
