/// A literal in the template source.
enum Literal: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)

    var value: Value {
        switch self {
        case .none: return .none
        case let .bool(b): return .bool(b)
        case let .int(i): return .int(i)
        case let .float(d): return .float(d)
        case let .string(s): return .string(s)
        }
    }
}

enum BinaryOp: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", floorDiv = "//", mod = "%", pow = "**", concat = "~"
    case and, or
}

enum CompareOp: String, Sendable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=", `in` = "in", notIn = "not in"
}

/// An expression, with the line it starts on for error messages.
indirect enum Expr: Sendable {
    case literal(Literal)
    case name(String, line: Int)
    case list([Expr])
    case tuple([Expr])
    case dict([(Expr, Expr)])
    case attribute(Expr, String, line: Int)
    case item(Expr, Expr, line: Int)
    case slice(Expr, start: Expr?, stop: Expr?, step: Expr?, line: Int)
    case call(Expr, args: [Expr], kwargs: [(String, Expr)], line: Int)
    case filter(Expr, name: String, args: [Expr], kwargs: [(String, Expr)], line: Int)
    case test(Expr, name: String, args: [Expr], negated: Bool, line: Int)
    case not(Expr)
    case negate(Expr, line: Int)
    case plus(Expr, line: Int)
    case binary(BinaryOp, Expr, Expr, line: Int)
    case compare(Expr, [(CompareOp, Expr)], line: Int)
    case conditional(test: Expr, then: Expr, otherwise: Expr?)
}

/// Where a `set` or `for` puts its value.
indirect enum Target: Sendable {
    case name(String)
    case tuple([Target])
    case attribute(String, String)
}

struct MacroDefinition: Sendable {
    var name: String
    var parameters: [(String, Expr?)]
    var body: [Stmt]
    var line: Int
}

/// A statement of the template body.
indirect enum Stmt: Sendable {
    case text(String)
    case output(Expr, line: Int)
    case ifElse(branches: [(Expr, [Stmt])], otherwise: [Stmt])
    case forLoop(target: Target, iterable: Expr, condition: Expr?, body: [Stmt], otherwise: [Stmt], recursive: Bool, line: Int)
    case set(Target, Expr, line: Int)
    case setBlock(Target, body: [Stmt], filters: [(String, [Expr], [(String, Expr)])], line: Int)
    case macro(MacroDefinition)
    case callBlock(call: Expr, parameters: [(String, Expr?)], body: [Stmt], line: Int)
    case filterBlock(filters: [(String, [Expr], [(String, Expr)])], body: [Stmt], line: Int)
    case breakLoop(line: Int)
    case continueLoop(line: Int)
    /// transformers' `{% generation %}` (AssistantTracker): renders its body like a call block.
    case generation(body: [Stmt])
}
