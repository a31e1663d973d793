/// The arguments of one call, matched to a Python-style signature (positional, then by keyword).
struct Arguments {
    private var values: [Value?]
    let function: String

    init(_ function: String, _ args: [Value], _ kwargs: [(String, Value)], _ names: [String]) throws {
        self.function = function
        guard args.count <= names.count else {
            throw EvalError.runtime("\(function)() takes at most \(names.count) argument(s) (\(args.count) given)")
        }
        values = Array(repeating: nil, count: names.count)
        for (i, a) in args.enumerated() { values[i] = a }
        for (k, v) in kwargs {
            guard let i = names.firstIndex(of: k) else {
                throw EvalError.unsupported("argument '\(k)' of \(function)")
            }
            values[i] = v
        }
    }

    func value(_ i: Int) -> Value? { values[i] }

    func string(_ i: Int, default d: String? = nil) throws -> String? {
        guard let v = values[i] else { return d }
        switch v {
        case let .string(s): return s
        case .none: return d
        default: throw EvalError.runtime("\(function)(): argument \(i + 1) must be str, not \(v.typeName)")
        }
    }

    func int(_ i: Int, default d: Int) throws -> Int {
        guard let v = values[i] else { return d }
        if case .none = v { return d }
        guard case let .int(n)? = v.number else { throw EvalError.runtime("\(function)(): argument \(i + 1) must be an integer, not \(v.typeName)") }
        return n
    }

    func bool(_ i: Int, default d: Bool) -> Bool {
        values[i]?.isTruthy ?? d
    }
}
