import Foundation

/// The durable job queue: what the daemon calls.
extension Catalog {
    static let jobColumns = "id, path, sha256, bytes, mtime, format, inbox, model, prompt, max_tokens, attempts, max_pages, pdf_text"

    static func jobRow(_ s: Statement) -> Job {
        Job(id: s.int64(0), path: s.text(1), sha256: s.text(2), bytes: s.int64(3), mtime: s.double(4),
            format: s.text(5), inbox: s.text(6), model: s.text(7), prompt: s.text(8), maxTokens: s.int(9),
            attempts: s.int(10), maxPages: s.int(11), pdfText: s.text(12))
    }

    static func insertJob(_ db: SQLiteConnection, _ scan: ScanCandidate, now: Double) throws -> Int64 {
        try db.run("""
            INSERT INTO jobs (path, sha256, bytes, mtime, format, inbox, model, prompt, max_tokens, max_pages, pdf_text,
                state, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)
            """, [.text(scan.path), .text(scan.sha256), .int(scan.bytes), .double(scan.mtime), .text(scan.format),
                  .text(scan.inbox), .text(scan.model), .text(scan.prompt), .int(scan.maxTokens), .int(scan.maxPages),
                  .text(scan.pdfText), .double(now)])
        return db.lastInsertRowID
    }

    /// Decides what a settled scan needs, by identity (path + SHA-256 of its bytes), in one transaction:
    /// - same path and bytes queued or running → `.alreadyQueued`;
    /// - same path and bytes already read (done or failed) → `.unchanged` (a removed one comes back as it was);
    /// - same bytes, model and prompt read under another path → `.reused` (a done document recorded here);
    /// - otherwise → `.queued` (a queued job of older bytes at this path is updated to the new bytes).
    public func enqueue(_ scan: ScanCandidate) throws -> EnqueueOutcome {
        try write { db in try Catalog.enqueue(db, scan) }
    }

    /// `enqueue` for many scans in ONE transaction (one commit, one fsync): the start rescan of a
    /// large inbox. All or nothing: on an error none is recorded.
    public func enqueue(_ scans: [ScanCandidate]) throws -> [EnqueueOutcome] {
        try write { db in try scans.map { try Catalog.enqueue(db, $0) } }
    }

    private static func enqueue(_ db: SQLiteConnection, _ scan: ScanCandidate) throws -> EnqueueOutcome {
        try Catalog.recordSeen(db, scan)
        let now = Catalog.now()
        let pending = try db.query(
            "SELECT id, sha256, state FROM jobs WHERE path = ? AND state IN ('queued','running') ORDER BY id",
            [.text(scan.path)]) { (id: $0.int64(0), sha256: $0.text(1), running: $0.text(2) == "running") }
        if let same = pending.first(where: { $0.sha256 == scan.sha256 }) {
            // The file is (back) there: a running read must not be filed as removed.
            try db.run("UPDATE jobs SET path_removed = 0 WHERE id = ?", [.int(same.id)])
            return .alreadyQueued
        }
        let runningOther = pending.contains { $0.running }
        let queuedOther = pending.first { !$0.running }
        let current = try Catalog.currentDocument(db, path: scan.path)

        if let current, current.scan.sha256 == scan.sha256, !runningOther {
            // The bytes went back to the version already read: drop the stale queued job.
            if let queuedOther { try Catalog.cancelJob(db, id: queuedOther.id, reason: "the file went back to bytes already read", now: now) }
            guard current.removedAt != nil else { return .unchanged }
            try db.run("UPDATE documents SET removed_at = NULL WHERE id = ?", [.int(current.id)])
            // Back in the live set: the triggers put its pages in the index again.
            guard current.state == "done" else { return .unchanged }
            return .reused(current.result)
        }

        if !runningOther, let source = try db.query("""
            SELECT \(Catalog.documentColumns) FROM documents
            WHERE sha256 = ? AND model = ? AND prompt = ? AND state = 'done' AND path <> ?
            ORDER BY id DESC LIMIT 1
            """, [.text(scan.sha256), .text(scan.model), .text(scan.prompt), .text(scan.path)],
            row: Catalog.documentRow).first {
            if let queuedOther { try Catalog.cancelJob(db, id: queuedOther.id, reason: "superseded by a reused result", now: now) }
            try Catalog.supersedeCurrent(db, path: scan.path, now: now)
            try Catalog.insertDocument(db, scan: scan, result: source.result, jobID: nil, reusedFrom: source.id,
                                       removed: false, now: now)
            return .reused(source.result)
        }

        if let queuedOther {
            try db.run("""
                UPDATE jobs SET sha256 = ?, bytes = ?, mtime = ?, format = ?, inbox = ?, model = ?, prompt = ?,
                    max_tokens = ?, max_pages = ?, pdf_text = ? WHERE id = ?
                """, [.text(scan.sha256), .int(scan.bytes), .double(scan.mtime), .text(scan.format),
                      .text(scan.inbox), .text(scan.model), .text(scan.prompt), .int(scan.maxTokens),
                      .int(scan.maxPages), .text(scan.pdfText), .int(queuedOther.id)])
            return .queued(jobID: queuedOther.id)
        }
        return .queued(jobID: try Catalog.insertJob(db, scan, now: now))
    }

    static func cancelJob(_ db: SQLiteConnection, id: Int64, reason: String, now: Double) throws {
        try db.run("UPDATE jobs SET state = 'cancelled', finished_at = ?, error = ? WHERE id = ? AND state = 'queued'",
                   [.double(now), .text(reason), .int(id)])
    }

    /// A job of another model than the preferred one that has waited this long is taken first (seconds).
    public static let preferenceMaxWait: Double = 30 * 60

    /// Takes the next queued job and marks it running (started_at set, attempts + 1); nil when none.
    /// The oldest, or with `preferring` (the model already loaded) the oldest of that model's, so a
    /// mixed queue does not load and unload a model per scan — unless the oldest queued job has
    /// waited `maxWait` seconds or more: then it goes first, whatever its model. (The worker also
    /// takes the oldest after a run of same-model jobs: `Worker.maxPreferredRun`.)
    /// Jobs for `skippingModels` (models whose checkpoint is not there yet) stay queued.
    public func claimNextJob(skippingModels: Set<String> = [], preferring model: String? = nil,
                             maxWait: Double = Catalog.preferenceMaxWait) throws -> Job? {
        try write { db in
            let skipped = skippingModels.sorted()
            let filter = skipped.isEmpty ? "" : " AND model NOT IN (\(skipped.map { _ in "?" }.joined(separator: ", ")))"
            let values: [SQLValue] = skipped.map { .text($0) }
            guard let oldest = try db.query("SELECT id, model, created_at FROM jobs WHERE state = 'queued'\(filter) ORDER BY id LIMIT 1",
                                            values, row: { (id: $0.int64(0), model: $0.text(1), created: $0.double(2)) }).first else {
                return nil
            }
            var id = oldest.id
            if let model, oldest.model != model, Catalog.now() - oldest.created < maxWait,
               let preferred = try db.scalarInt("SELECT id FROM jobs WHERE state = 'queued' AND model = ?\(filter) ORDER BY id LIMIT 1",
                                                [.text(model)] + values) {
                id = preferred
            }
            try db.run("""
                UPDATE jobs SET state = 'running', started_at = ?, attempts = attempts + 1, progress_tokens = 0
                WHERE id = ?
                """, [.double(Catalog.now()), .int(id)])
            return try db.query("SELECT \(Catalog.jobColumns) FROM jobs WHERE id = ?", [.int(id)], row: Catalog.jobRow).first
        }
    }

    /// Records the read in ONE transaction: the new document version (replacing the old one in the index),
    /// its FTS row, and the job marked done. A result carrying `error` is recorded as a failure instead.
    public func complete(_ job: Job, result: ReadResult) throws {
        try finish(job, result: result)
    }

    /// Records a failed read: the job failed and a document version holding `error`, not searchable.
    /// It is read again only when its bytes change or `retry` asks.
    public func fail(_ job: Job, error: String) throws {
        let result = ReadResult(text: nil, error: error, model: "", checkpoint: "", configHash: "",
                                prompt: job.prompt, tokens: 0, finishReason: nil, width: 0, height: 0)
        try finish(job, result: result)
    }

    private func finish(_ job: Job, result: ReadResult) throws {
        try write { db in
            let now = Catalog.now()
            guard let row = try db.query("SELECT state, path_removed FROM jobs WHERE id = ?", [.int(job.id)],
                                         row: { (state: $0.text(0), removed: $0.int(1) != 0) }).first else {
                throw CatalogError.jobNotFound(id: job.id)
            }
            guard row.state == "running" else { throw CatalogError.jobNotRunning(id: job.id, state: row.state) }
            guard let stored = try db.query("SELECT \(Catalog.jobColumns) FROM jobs WHERE id = ?", [.int(job.id)],
                                            row: Catalog.jobRow).first else { throw CatalogError.jobNotFound(id: job.id) }
            let scan = ScanCandidate(path: stored.path, sha256: stored.sha256, bytes: stored.bytes, mtime: stored.mtime,
                                     format: stored.format, inbox: stored.inbox, model: stored.model,
                                     prompt: stored.prompt, maxTokens: stored.maxTokens)
            try Catalog.supersedeCurrent(db, path: scan.path, now: now)
            try Catalog.insertDocument(db, scan: scan, result: result, jobID: job.id, reusedFrom: nil,
                                       removed: row.removed, now: now)
            try db.run("""
                UPDATE jobs SET state = ?, finished_at = ?, error = ?, progress_tokens = ? WHERE id = ?
                """, [.text(result.error == nil ? "done" : "failed"), .double(now), .optional(result.error),
                      .int(result.tokens), .int(job.id)])
            // The document holds the pages now; a running job's page records are only for resuming.
            try db.run("DELETE FROM job_pages WHERE job_id = ?", [.int(job.id)])
        }
    }

    /// At daemon start: every job left running by a previous process goes back to the queue. Returns how many.
    @discardableResult
    public func requeueRunningJobs() throws -> Int {
        try write { db in
            try db.run("UPDATE jobs SET state = 'queued', started_at = NULL, progress_tokens = 0 WHERE state = 'running'")
        }
    }

    /// Where a running job is (for `scrawl status`): tokens of the page being read, that page (1-based)
    /// and the document's page count. The caller throttles how often. Best effort: a busy catalog refuses it.
    public func recordProgress(jobID: Int64, tokens: Int, page: Int = 1, pageCount: Int = 1) throws {
        try writeSoon { db in
            try db.run("UPDATE jobs SET progress_tokens = ?, progress_page = ?, page_count = ? WHERE id = ? AND state = 'running'",
                       [.int(tokens), .int(page), .int(pageCount), .int(jobID)])
        }
    }
}
