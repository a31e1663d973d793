/// Why a template could not be parsed or rendered. Every case names the template source (the file
/// it came from) and the line, so a person can find the construct.
public enum JinjaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The source is not valid Jinja.
    case syntax(source: String, line: Int, message: String)
    /// A Jinja construct (tag, filter, test, method, argument) this engine does not implement.
    case unsupported(source: String, line: Int, construct: String)
    /// The template called `raise_exception(message)`.
    case raised(source: String, line: Int, message: String)
    /// Rendering failed the way jinja2 would fail (an undefined value used, a type error, ...).
    case runtime(source: String, line: Int, message: String)

    public var description: String {
        switch self {
        case let .syntax(source, line, message):
            return "\(source) line \(line): template syntax error: \(message)"
        case let .unsupported(source, line, construct):
            return "\(source) line \(line): unsupported \(construct) (scrawl's Jinja engine does not implement it: use a chat template without it, or add it to Sources/Jinja)"
        case let .raised(source, line, message):
            return "\(source) line \(line): the chat template raised an exception: \(message)"
        case let .runtime(source, line, message):
            return "\(source) line \(line): \(message)"
        }
    }

    /// The message `raise_exception` was called with, nil for other errors.
    public var raisedMessage: String? {
        if case let .raised(_, _, message) = self { return message }
        return nil
    }
}

/// An error from a filter, test, method or operator, before the interpreter adds source and line.
enum EvalError: Error {
    case runtime(String)
    case unsupported(String)
    case raised(String)
}
