/// Turning user text into FTS5 MATCH expressions.
enum FTSQueryText {
    /// The text as plain words: each whitespace-separated word becomes a quoted string (quotes doubled),
    /// so `don't`, `C++` or a stray `"` search as words instead of failing as syntax. Nil when no word is left.
    static func plainWords(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace })
            .filter { word in word.unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil } }
        guard !words.isEmpty else { return nil }
        return words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }
}
