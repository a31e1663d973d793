import CSQLite

/// A failure reported by SQLite, with the statement that caused it and the database path,
/// so a person reading the log knows which file and which operation went wrong.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?
    public let path: String

    public var description: String {
        var text = "SQLite error \(code) on \(path): \(message)"
        if let sql { text += " (in: \(sql.prefix(160)))" }
        if code == SQLITE_BUSY || code == SQLITE_LOCKED {
            text += "; another process holds the catalog locked longer than the busy timeout"
        }
        return text
    }

    /// A plain SQL error (not busy, I/O or corruption). From a fixed, tested search statement it can only
    /// come from the FTS5 MATCH text (syntax, unterminated string, unknown column filter).
    var isQuerySyntaxError: Bool { code == SQLITE_ERROR }
}
