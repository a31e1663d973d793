/// The methods of str, dict and list that chat templates call (`x.strip()`, `d.items()`, ...).
/// Mutating methods fail as in transformers' ImmutableSandboxedEnvironment.
enum Methods {
    static func bound(_ name: String, _ f: @escaping ([Value], [(String, Value)]) throws -> Value) -> Value {
        .callable(Callable(name: name, call: f))
    }

    static func unsafe(_ name: String, _ type: String) -> Value {
        bound(name) { _, _ in throw EvalError.runtime("access to attribute '\(name)' of '\(type)' object is unsafe.") }
    }

    static func stringMethod(_ s: String, _ name: String) throws -> Value? {
        switch name {
        case "strip", "lstrip", "rstrip":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["chars"])
                return .string(PyString.strip(s, try a.string(0), leading: name != "rstrip", trailing: name != "lstrip"))
            }
        case "upper": return bound(name) { _, _ in .string(s.uppercased()) }
        case "lower": return bound(name) { _, _ in .string(s.lowercased()) }
        case "title": return bound(name) { _, _ in .string(PyString.title(s)) }
        case "capitalize": return bound(name) { _, _ in .string(PyString.capitalize(s)) }
        case "startswith", "endswith":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["prefix"])
                let candidates: [Value]
                switch a.value(0) {
                case let .tuple(t)?: candidates = t
                case let v?: candidates = [v]
                case nil: throw EvalError.runtime("\(name)() takes at least 1 argument (0 given)")
                }
                for c in candidates {
                    guard case let .string(p) = c else { throw EvalError.runtime("\(name) first arg must be str or a tuple of str, not \(c.typeName)") }
                    if name == "startswith" ? PyString.hasPrefix(s, p) : PyString.hasSuffix(s, p) { return .bool(true) }
                }
                return .bool(false)
            }
        case "split", "rsplit":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["sep", "maxsplit"])
                let parts = name == "split" ? try PyString.split(s, try a.string(0), maxSplit: try a.int(1, default: -1))
                    : try PyString.rsplit(s, try a.string(0), maxSplit: try a.int(1, default: -1))
                return .list(parts.map { .string($0) })
            }
        case "splitlines":
            return bound(name) { _, _ in
                var lines = try PyString.split(s.replacingOccurrences(of: "\r\n", with: "\n"), "\n")
                if lines.last == "" { lines.removeLast() }
                return .list(lines.map { .string($0) })
            }
        case "replace":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["old", "new", "count"])
                guard let old = try a.string(0), let new = try a.string(1) else { throw EvalError.runtime("replace() takes at least 2 arguments") }
                return .string(PyString.replace(s, old, new, count: try a.int(2, default: -1)))
            }
        case "find", "rfind", "index", "rindex":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["sub"])
                guard let sub = try a.string(0) else { throw EvalError.runtime("\(name)() takes at least 1 argument") }
                let byteOffset = name.hasSuffix("find") && name.hasPrefix("r") || name == "rindex" ? PyString.rfind(s, sub) : PyString.find(s, sub)
                guard let byteOffset else {
                    if name.contains("index") { throw EvalError.runtime("substring not found") }
                    return .int(-1)
                }
                return .int(String(decoding: Array(s.utf8)[..<byteOffset], as: UTF8.self).unicodeScalars.count)
            }
        case "count":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["sub"])
                guard let sub = try a.string(0) else { throw EvalError.runtime("count() takes at least 1 argument") }
                if sub.isEmpty { return .int(s.unicodeScalars.count + 1) }
                return .int(try PyString.split(s, sub).count - 1)
            }
        case "join":
            return bound(name) { args, _ in
                guard let seq = args.first else { throw EvalError.runtime("join() takes exactly one argument") }
                let items = try Filters.items(of: seq)
                return .string(try items.map { v -> String in
                    guard case let .string(x) = v else { throw EvalError.runtime("sequence item: expected str instance, \(v.typeName) found") }
                    return x
                }.joined(separator: s))
            }
        case "isdigit", "isalpha", "isspace", "isupper", "islower", "isalnum", "isnumeric":
            return bound(name) { _, _ in
                let scalars = Array(s.unicodeScalars)
                guard !scalars.isEmpty else { return .bool(false) }
                switch name {
                case "isdigit", "isnumeric": return .bool(scalars.allSatisfy { $0.properties.numericType != nil })
                case "isalpha": return .bool(scalars.allSatisfy { $0.properties.isAlphabetic })
                case "isalnum": return .bool(scalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
                case "isspace": return .bool(scalars.allSatisfy(pyIsSpace))
                case "isupper": return .bool(s.uppercased() == s && s.lowercased() != s)
                default: return .bool(s.lowercased() == s && s.uppercased() != s)
                }
            }
        case "format":
            return bound(name) { args, kw in .string(try strFormat(s, args, kw)) }
        case "removeprefix", "removesuffix":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["fix"])
                guard let fix = try a.string(0) else { throw EvalError.runtime("\(name)() takes exactly one argument") }
                if name == "removeprefix", PyString.hasPrefix(s, fix) {
                    return .string(String(decoding: Array(s.utf8).dropFirst(fix.utf8.count), as: UTF8.self))
                }
                if name == "removesuffix", !fix.isEmpty, PyString.hasSuffix(s, fix) {
                    return .string(String(decoding: Array(s.utf8).dropLast(fix.utf8.count), as: UTF8.self))
                }
                return .string(s)
            }
        case "partition", "rpartition":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["sep"])
                guard let sep = try a.string(0), !sep.isEmpty else { throw EvalError.runtime("empty separator") }
                let bytes = Array(s.utf8)
                guard let at = name == "partition" ? PyString.find(s, sep) : PyString.rfind(s, sep) else {
                    return name == "partition" ? .tuple([.string(s), "", ""]) : .tuple(["", "", .string(s)])
                }
                return .tuple([.string(String(decoding: bytes[..<at], as: UTF8.self)), .string(sep),
                               .string(String(decoding: bytes[(at + sep.utf8.count)...], as: UTF8.self))])
            }
        case "ljust", "rjust", "zfill":
            return bound(name) { args, kw in
                let a = try Arguments(name, args, kw, ["width", "fillchar"])
                let width = try a.int(0, default: 0)
                let fill = name == "zfill" ? "0" : (try a.string(1, default: " ") ?? " ")
                let pad = max(0, width - s.unicodeScalars.count)
                let padding = try Limits.repeated(fill, pad)
                if name == "ljust" { return .string(s + padding) }
                if name == "zfill", let sign = s.first, sign == "-" || sign == "+" {
                    return .string(String(sign) + padding + s.dropFirst())
                }
                return .string(padding + s)
            }
        case "casefold", "center", "encode", "expandtabs", "format_map", "isascii", "isdecimal", "isidentifier",
             "isprintable", "istitle", "maketrans", "swapcase", "translate":
            return unsupportedMethod(name, "str")
        default:
            return nil
        }
    }

    /// A real Python method this engine does not implement: calling it names it.
    static func unsupportedMethod(_ name: String, _ type: String) -> Value {
        bound(name) { _, _ in throw EvalError.unsupported("method \(type).\(name)()") }
    }

    static func dictMethod(_ d: OrderedDict, _ name: String) -> Value? {
        switch name {
        case "items": return bound(name) { _, _ in .list(d.pairs.map { .tuple([$0, $1]) }) }
        case "keys": return bound(name) { _, _ in .list(d.keys) }
        case "values": return bound(name) { _, _ in .list(d.values) }
        case "get":
            return bound(name) { args, _ in
                guard let key = args.first else { throw EvalError.runtime("get expected at least 1 argument, got 0") }
                return d[key] ?? (args.count > 1 ? args[1] : .none)
            }
        case "copy": return bound(name) { _, _ in .dict(d) }
        case "pop", "popitem", "update", "setdefault", "clear": return unsafe(name, "dict")
        case "fromkeys": return unsupportedMethod(name, "dict")
        default: return nil
        }
    }

    static func listMethod(_ a: [Value], _ name: String, type: String) throws -> Value? {
        switch name {
        case "count": return bound(name) { args, _ in .int(a.filter { pyEqual($0, args.first ?? .none) }.count) }
        case "index":
            return bound(name) { args, _ in
                guard let i = a.firstIndex(where: { pyEqual($0, args.first ?? .none) }) else {
                    throw EvalError.runtime("\((args.first ?? .none).pyRepr) is not in list")
                }
                return .int(i)
            }
        case "copy": return type == "list" ? bound(name) { _, _ in .list(a) } : nil
        case "append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear":
            return type == "list" ? unsafe(name, type) : nil
        default: return nil
        }
    }

    /// `str.format`: `{}`, `{0}`, `{name}` and `{{`/`}}`, without format specs.
    static func strFormat(_ s: String, _ args: [Value], _ kwargs: [(String, Value)]) throws -> String {
        var out = ""
        var auto = 0
        var chars = s.makeIterator()
        while let c = chars.next() {
            if c == "}" {
                guard chars.next() == "}" else { throw EvalError.runtime("Single '}' encountered in format string") }
                out.append("}")
                continue
            }
            guard c == "{" else { out.append(c); continue }
            var field = ""
            var closed = false
            while let d = chars.next() {
                if d == "{" && field.isEmpty { out.append("{"); closed = true; field = "\u{0}"; break }
                if d == "}" { closed = true; break }
                field.append(d)
            }
            guard closed else { throw EvalError.runtime("Single '{' encountered in format string") }
            if field == "\u{0}" { continue }
            if field.contains(":") || field.contains("!") { throw EvalError.unsupported("format spec '{\(field)}' in str.format") }
            let value: Value
            if field.isEmpty {
                guard auto < args.count else { throw EvalError.runtime("Replacement index \(auto) out of range for positional args tuple") }
                value = args[auto]
                auto += 1
            } else if let i = Int(field) {
                guard i < args.count else { throw EvalError.runtime("Replacement index \(i) out of range for positional args tuple") }
                value = args[i]
            } else {
                guard let v = kwargs.first(where: { $0.0 == field })?.1 else { throw EvalError.runtime("KeyError: '\(field)'") }
                value = v
            }
            out += value.pyStr
        }
        return out
    }
}
