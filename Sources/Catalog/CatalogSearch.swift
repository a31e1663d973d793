import Foundation

/// Full-text search over the live documents.
extension Catalog {
    /// bm25-ranked hits, best first, with a snippet marking the matched words «like this».
    /// FTS5 syntax works (AND/OR/NOT, "phrase", prefix*, NEAR); text that is not valid syntax is
    /// searched again as plain quoted words, never reported as an error.
    public func search(_ q: SearchQuery) throws -> [SearchHit] {
        let text = q.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, q.limit > 0 else { return [] }
        do {
            return try runSearch(match: text, q)
        } catch let error as SQLiteError where error.isQuerySyntaxError {
            guard let plain = FTSQueryText.plainWords(text) else { return [] }
            return try runSearch(match: plain, q)
        }
    }

    private func runSearch(match: String, _ q: SearchQuery) throws -> [SearchHit] {
        var sql = """
            SELECT d.path, snippet(\(Schema.ftsTable), 0, '«', '»', '…', 12), bm25(\(Schema.ftsTable)),
                   d.model, d.created_at, d.sha256
            FROM \(Schema.ftsTable) JOIN documents d ON d.id = \(Schema.ftsTable).rowid
            WHERE \(Schema.ftsTable) MATCH ? AND d.superseded_at IS NULL AND d.removed_at IS NULL
            """
        var values: [SQLValue] = [.text(match)]
        if let folder = q.folder {
            sql += " AND " + Catalog.underFolder("d.path")
            values += Catalog.folderValues(folder)
        }
        if let model = q.model {
            sql += " AND (d.model = ? OR substr(d.engine, 1, length(?)) = ?)"
            values += [.text(model), .text(model), .text(model)]
        }
        if let since = q.since {
            sql += " AND d.created_at >= ?"
            values.append(.double(since.timeIntervalSince1970))
        }
        sql += " ORDER BY bm25(\(Schema.ftsTable)) LIMIT ?"
        values.append(.int(q.limit))
        return try read { db in
            try db.query(sql, values) { s in
                SearchHit(path: s.text(0), snippet: s.text(1), rank: s.double(2), model: s.text(3),
                          createdAt: Date(timeIntervalSince1970: s.double(4)), sha256: s.text(5))
            }
        }
    }
}
