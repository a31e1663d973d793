/// Bounds that keep a hostile or broken template from crashing or hanging the daemon. jinja2 would
/// raise MemoryError or RecursionError, or run forever; chat templates stay far below these.
enum Limits {
    /// The longest string or list one operation may build (`'x' * n`, `|indent(n)`, `ljust`, ...).
    static let maxBuiltLength = 1 << 24
    /// Nested macro calls (jinja2 hits Python's recursion limit near 1000 frames).
    static let maxCallDepth = 200
    /// Nested brackets, unary operators and tags the parser follows.
    static let maxNesting = 200
    /// Loop iterations in one render.
    static let maxIterations = 1_000_000

    static func repeated(_ s: String, _ count: Int) throws -> String {
        guard count > 0 else { return "" }
        try check(s.utf8.count, times: count)
        return String(repeating: s, count: count)
    }

    static func check(_ length: Int, times count: Int) throws {
        let (total, overflow) = length.multipliedReportingOverflow(by: count)
        guard !overflow, total <= maxBuiltLength else {
            throw EvalError.runtime("result too large (\(length) × \(count) exceeds \(maxBuiltLength) characters)")
        }
    }
}
