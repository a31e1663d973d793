import Foundation

/// What the user commands (`scrawl status`, `retry`, `reindex`) ask of the catalog.
extension Catalog {
    /// Queues the scan at `path` again (its current version, failed or done), read with `settings`
    /// (the folder's model and prompt now) or, when nil, as last time. False when the path is
    /// unknown, removed, or already queued or running.
    public func retry(path: String, settings: ReadSettings? = nil) throws -> Bool {
        try write { db in try Catalog.requeue(db, path: path, settings: settings, now: Catalog.now()) }
    }

    /// Queues every scan whose latest version failed (and whose file is still there), each read with
    /// `settings(path)` when that gives any. Returns how many.
    public func retryFailed(settings: (String) -> ReadSettings? = { _ in nil }) throws -> Int {
        try write { db in
            let now = Catalog.now()
            let paths = try db.query("""
                SELECT path FROM documents WHERE state = 'failed' AND superseded_at IS NULL AND removed_at IS NULL
                ORDER BY id
                """) { $0.text(0) }
            var queued = 0
            for path in paths where try Catalog.requeue(db, path: path, settings: settings(path), now: now) { queued += 1 }
            return queued
        }
    }

    private static func requeue(_ db: SQLiteConnection, path: String, settings: ReadSettings?, now: Double) throws -> Bool {
        let pending = try db.scalarInt(
            "SELECT count(*) FROM jobs WHERE path = ? AND state IN ('queued','running')", [.text(path)]) ?? 0
        guard pending == 0, let current = try currentDocument(db, path: path), current.removedAt == nil else {
            return false
        }
        var scan = current.scan
        if let settings {
            scan.model = settings.model
            scan.prompt = settings.prompt
            scan.maxTokens = settings.maxTokens
            scan.maxPages = settings.maxPages
            scan.pdfText = settings.pdfText
        }
        _ = try insertJob(db, scan, now: now)
        return true
    }

    public func status(recentFailures: Int) throws -> CatalogStatus {
        try read { db in
            var jobs: [String: Int] = [:]
            for state in JobState.allCases { jobs[state.rawValue] = 0 }
            for (state, count) in try db.query("SELECT state, count(*) FROM jobs GROUP BY state",
                                               row: { ($0.text(0), $0.int(1)) }) {
                jobs[state] = count
            }
            let live = "superseded_at IS NULL AND removed_at IS NULL"
            let searchable = try db.scalarInt("SELECT count(*) FROM documents WHERE state = 'done' AND \(live)") ?? 0
            let failed = try db.scalarInt("SELECT count(*) FROM documents WHERE state = 'failed' AND \(live)") ?? 0
            let running = try db.query("""
                SELECT id, path, model, progress_tokens, started_at, attempts, progress_page, page_count
                FROM jobs WHERE state = 'running' ORDER BY id
                """) { s in
                CatalogStatus.RunningJob(jobID: s.int64(0), path: s.text(1), model: s.text(2), tokens: s.int(3),
                                         startedAt: Date(timeIntervalSince1970: s.double(4)), attempts: s.int(5),
                                         page: s.int(6), pageCount: s.int(7))
            }
            let failures = try db.query("""
                SELECT path, coalesce(error, ''), created_at FROM documents WHERE state = 'failed' AND \(live)
                ORDER BY created_at DESC, id DESC LIMIT ?
                """, [.int(max(0, recentFailures))]) { s in
                CatalogStatus.Failure(path: s.text(0), error: s.text(1), at: Date(timeIntervalSince1970: s.double(2)))
            }
            let problems = try db.query("SELECT source, message, since FROM daemon_problems ORDER BY since") { s in
                CatalogStatus.Problem(source: s.text(0), message: s.text(1), since: Date(timeIntervalSince1970: s.double(2)))
            }
            return CatalogStatus(jobs: jobs, searchable: Int(searchable), failedDocuments: Int(failed),
                                 running: running, recentFailures: failures, problems: problems)
        }
    }

    /// Rebuilds the full-text index from the documents' pages (drops and recreates the FTS table, so a
    /// tokenizer change takes effect). Returns how many documents were indexed.
    @discardableResult
    public func reindex() throws -> Int {
        try write { db in
            try db.exec("DROP TABLE IF EXISTS \(Schema.ftsTable)")
            try db.exec(Schema.createFTS)
            try db.run("INSERT INTO \(Schema.ftsTable) (\(Schema.ftsTable)) VALUES ('rebuild')")
            try db.run("INSERT INTO \(Schema.ftsTable) (\(Schema.ftsTable)) VALUES ('optimize')")
            let count = Int(try db.scalarInt("""
                SELECT count(*) FROM documents WHERE state = 'done' AND superseded_at IS NULL AND removed_at IS NULL
                """) ?? 0)
            return count
        }
    }
}
