import Foundation

/// Reading and writing `documents` rows (every version of every path) and their pages. The FTS index
/// follows by itself: triggers (migration 5) index a live document's pages and drop them when it leaves.
extension Catalog {
    static let documentColumns = """
        id, path, sha256, state, removed_at, text, error, engine, checkpoint, config_hash, prompt, tokens,
        finish_reason, width, height, timings_json, sidecar_json, bytes, mtime, format, inbox, model, max_tokens
        """

    struct DocumentRow {
        var id: Int64
        var scan: ScanCandidate
        var state: String
        var removedAt: Double?
        var result: ReadResult
    }

    static func documentRow(_ s: Statement) -> DocumentRow {
        let timings = s.optionalText(15).flatMap { try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8)) }
        let result = ReadResult(
            text: s.optionalText(5), error: s.optionalText(6), model: s.text(7), checkpoint: s.text(8),
            configHash: s.text(9), prompt: s.text(10), tokens: s.int(11), finishReason: s.optionalText(12),
            width: s.int(13), height: s.int(14), timingsMs: timings ?? [:], sidecarJSON: s.optionalText(16))
        let scan = ScanCandidate(
            path: s.text(1), sha256: s.text(2), bytes: s.int64(17), mtime: s.double(18), format: s.text(19),
            inbox: s.text(20), model: s.text(21), prompt: s.text(10), maxTokens: s.int(22))
        return DocumentRow(id: s.int64(0), scan: scan, state: s.text(3), removedAt: s.optionalDouble(4), result: result)
    }

    /// The current (not superseded) version recorded for `path`, removed or not.
    static func currentDocument(_ db: SQLiteConnection, path: String) throws -> DocumentRow? {
        try db.query("SELECT \(documentColumns) FROM documents WHERE path = ? AND superseded_at IS NULL",
                     [.text(path)], row: documentRow).first
    }

    /// Marks the current version of `path` superseded (history kept; its pages leave the index).
    static func supersedeCurrent(_ db: SQLiteConnection, path: String, now: Double) throws {
        try db.run("UPDATE documents SET superseded_at = ? WHERE path = ? AND superseded_at IS NULL",
                   [.double(now), .text(path)])
    }

    /// Records a new current version of `scan.path` (the caller superseded the old one) with its pages:
    /// `result.pages`, a reused document's pages, or the whole text as page 1. Returns the document id.
    @discardableResult
    static func insertDocument(_ db: SQLiteConnection, scan: ScanCandidate, result: ReadResult, jobID: Int64?,
                               reusedFrom: Int64?, removed: Bool, now: Double) throws -> Int64 {
        let state = result.error == nil ? "done" : "failed"
        let timings = (try? JSONEncoder().encode(result.timingsMs)).map { String(decoding: $0, as: UTF8.self) }
        try db.run("""
            INSERT INTO documents (path, sha256, bytes, mtime, format, inbox, model, prompt, max_tokens, job_id,
                reused_from, state, text, error, engine, checkpoint, config_hash, tokens, finish_reason, width, height,
                timings_json, sidecar_json, created_at, removed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                .text(scan.path), .text(scan.sha256), .int(scan.bytes), .double(scan.mtime), .text(scan.format),
                .text(scan.inbox), .text(scan.model), .text(scan.prompt), .int(scan.maxTokens),
                jobID.map { .int($0) } ?? .null, reusedFrom.map { .int($0) } ?? .null,
                .text(state), .optional(result.text), .optional(result.error), .text(result.model),
                .text(result.checkpoint), .text(result.configHash), .int(result.tokens),
                .optional(result.finishReason), .int(result.width), .int(result.height),
                .optional(timings), .optional(result.sidecarJSON), .double(now), removed ? .double(now) : .null,
            ])
        let id = db.lastInsertRowID
        guard state == "done" else { return id }
        if let reusedFrom {
            try db.run("""
                INSERT INTO document_pages (document_id, number, text, origin)
                SELECT ?, number, text, origin FROM document_pages WHERE document_id = ? ORDER BY number
                """, [.int(id), .int(reusedFrom)])
        } else if result.pages.isEmpty {
            try db.run("INSERT INTO document_pages (document_id, number, text) VALUES (?, 1, ?)", [.int(id), .text(result.text ?? "")])
        } else {
            for page in result.pages {
                try db.run("INSERT INTO document_pages (document_id, number, text, origin) VALUES (?, ?, ?, ?)",
                           [.int(id), .int(page.number), .text(page.text), .text(page.origin)])
            }
        }
        return id
    }

    /// `column = folder OR column starts with folder/`, as a range (`folder/` ≤ column < `folder0`, since
    /// '0' follows '/') so the path index serves it; bind `folderValues(folder)` in its place.
    static func underFolder(_ column: String = "path") -> String {
        "(\(column) = ? OR (\(column) >= ? AND \(column) < ?))"
    }

    static func folderValues(_ folder: String) -> [SQLValue] {
        var trimmed = folder
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let prefix = trimmed.hasSuffix("/") ? trimmed : trimmed + "/"
        return [.text(trimmed), .text(prefix), .text(String(prefix.dropLast()) + "0")]
    }
}
