/// Problems of the environment the daemon waits out (a model not there yet, a full or read-only
/// disk): recorded for `scrawl status`, cleared when work goes on.
extension Catalog {
    /// Records (or updates) what `source` is waiting for; `since` stays the first time it was seen.
    /// `waitForLock: false` gives up after a moment when another process holds the write lock (the
    /// caller reports again later): a status line is not worth stalling the shared connection for.
    public func setProblem(source: String, message: String, waitForLock: Bool = true) throws {
        let body = { (db: SQLiteConnection) in
            try db.run("""
                INSERT INTO daemon_problems (source, message, since) VALUES (?, ?, ?)
                ON CONFLICT (source) DO UPDATE SET message = excluded.message
                """, [.text(source), .text(message), .double(Catalog.now())])
        }
        if waitForLock { try write(body) } else { try writeSoon(body) }
    }

    /// Clears what `source` was waiting for. Most calls find nothing to clear: they only read (a read
    /// never waits for the write lock), so a busy catalog does not hold the worker up for nothing.
    public func clearProblem(source: String, waitForLock: Bool = true) throws {
        let present = try read { db in
            try db.scalarInt("SELECT count(*) FROM daemon_problems WHERE source = ?", [.text(source)]) ?? 0
        }
        guard present > 0 else { return }
        let body = { (db: SQLiteConnection) in try db.run("DELETE FROM daemon_problems WHERE source = ?", [.text(source)]) }
        if waitForLock { try write(body) } else { try writeSoon(body) }
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
