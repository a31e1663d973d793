import Foundation

/// Full-text search over the pages of the live documents.
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

    /// Two steps in one snapshot: rank (bm25 over every match, joining documents only when a filter
    /// needs it), then snippets and details for the `limit` best rows only — snippet() on every match
    /// would cost more than the ranking itself.
    private func runSearch(match: String, _ q: SearchQuery) throws -> [SearchHit] {
        let fts = Schema.ftsTable
        var filters: [String] = []
        var values: [SQLValue] = [.text(match)]
        if let folder = q.folder {
            filters.append(Catalog.underFolder("d.path"))
            values += Catalog.folderValues(folder)
        }
        if let model = q.model {
            filters.append("(d.model = ? OR substr(d.engine, 1, length(?)) = ?)")
            values += [.text(model), .text(model), .text(model)]
        }
        if let since = q.since {
            filters.append("d.created_at >= ?")
            values.append(.double(since.timeIntervalSince1970))
        }
        values.append(.int(q.limit))
        // The index holds only pages of current, present, done documents, so an unfiltered ranking needs no join.
        let rankSQL = filters.isEmpty
            ? "SELECT rowid, bm25(\(fts)) FROM \(fts) WHERE \(fts) MATCH ? ORDER BY 2 LIMIT ?"
            : """
              SELECT f.rowid, bm25(\(fts)) FROM \(fts) f JOIN document_pages p ON p.id = f.rowid
              JOIN documents d ON d.id = p.document_id
              WHERE \(fts) MATCH ? AND \(filters.joined(separator: " AND ")) ORDER BY 2 LIMIT ?
              """
        return try read { db in
            let ranked = try db.query(rankSQL, values) { (id: $0.int64(0), rank: $0.double(1)) }
            guard !ranked.isEmpty else { return [] }
            var hits: [Int64: SearchHit] = [:]
            // In pieces: a bound parameter per id, and SQLite caps how many one statement may have.
            for start in stride(from: 0, to: ranked.count, by: 500) {
                let ids = ranked[start..<min(ranked.count, start + 500)].map(\.id)
                let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
                for (id, hit) in try db.query("""
                    SELECT f.rowid, snippet(\(fts), 0, '«', '»', '…', 12), d.path, d.model, d.created_at, d.sha256,
                        p.number, (SELECT count(*) FROM document_pages q WHERE q.document_id = d.id)
                    FROM \(fts) f JOIN document_pages p ON p.id = f.rowid JOIN documents d ON d.id = p.document_id
                    WHERE \(fts) MATCH ? AND f.rowid IN (\(placeholders))
                    """, [.text(match)] + ids.map { .int($0) }, row: { s in
                        (s.int64(0), SearchHit(path: s.text(2), snippet: s.text(1), rank: 0, model: s.text(3),
                                               createdAt: Date(timeIntervalSince1970: s.double(4)), sha256: s.text(5),
                                               page: s.int(6), pageCount: s.int(7)))
                    }) {
                    hits[id] = hit
                }
            }
            return ranked.compactMap { entry in
                hits[entry.id].map { hit in
                    var hit = hit
                    hit.rank = entry.rank
                    return hit
                }
            }
        }
    }
}
