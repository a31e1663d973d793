import Foundation

/// A Jinja template parsed once, rendered many times, with the environment transformers uses for chat
/// templates: `ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)` with the loop
/// controls and `{% generation %}` extensions, its own `tojson`, `raise_exception` and `strftime_now`.
public struct Template: Sendable {
    /// Where the source came from (a file path), named in every error.
    public let sourceName: String
    private let body: [Stmt]

    public init(_ source: String, sourceName: String) throws {
        self.sourceName = sourceName
        body = try Parser.parse(source, sourceName: sourceName)
    }

    /// Renders with `variables` as the template's context. `now` is what `strftime_now` formats.
    public func render(_ variables: [String: Value], now: Date = Date()) throws -> String {
        let interpreter = Interpreter(sourceName: sourceName, now: now)
        let scope = Scope(parent: nil)
        scope.vars = variables
        var out = ""
        do {
            _ = try interpreter.execute(body, scope, &out)
        } catch let e as EvalError {
            throw interpreter.wrap(e)
        }
        return out
    }
}
