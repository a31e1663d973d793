/// Problems of the environment the daemon waits out (a model not there yet, a full or read-only
/// disk): recorded for `scrawl status`, cleared when work goes on.
extension Catalog {
    /// Records (or updates) what `source` is waiting for; `since` stays the first time it was seen.
    public func setProblem(source: String, message: String) throws {
        try write { db in
            try db.run("""
                INSERT INTO daemon_problems (source, message, since) VALUES (?, ?, ?)
                ON CONFLICT (source) DO UPDATE SET message = excluded.message
                """, [.text(source), .text(message), .double(Catalog.now())])
        }
    }

    public func clearProblem(source: String) throws {
        try write { db in try db.run("DELETE FROM daemon_problems WHERE source = ?", [.text(source)]) }
    }

    /// A running job goes back to the queue untouched, its attempt not counted: it was not read
    /// because of the environment, not because of the scan.
    public func putBack(_ job: Job) throws {
        try write { db in
            try db.run("""
                UPDATE jobs SET state = 'queued', started_at = NULL, progress_tokens = 0, attempts = max(attempts - 1, 0)
                WHERE id = ? AND state = 'running'
                """, [.int(job.id)])
        }
    }
}
