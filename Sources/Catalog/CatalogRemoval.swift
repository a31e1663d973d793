/// Files that disappear: they leave search results, their history stays.
extension Catalog {
    /// The file at `path` was deleted or moved out of the inboxes.
    public func markRemoved(path: String) throws {
        try markRemoved(where: "path = ?", [.text(path)])
    }

    /// The folder (and everything below it) was deleted or moved out of the inboxes.
    public func markRemoved(under folder: String) throws {
        try markRemoved(where: Catalog.underFolder(), Catalog.folderValues(folder))
    }

    private func markRemoved(where clause: String, _ values: [SQLValue]) throws {
        try write { db in
            let now = Catalog.now()
            try db.run("""
                UPDATE documents SET removed_at = ? WHERE \(clause) AND superseded_at IS NULL AND removed_at IS NULL
                """, [.double(now)] + values)
            try db.run("""
                UPDATE jobs SET state = 'cancelled', finished_at = ?, error = 'the file was removed before it was read'
                WHERE \(clause) AND state = 'queued'
                """, [.double(now)] + values)
            try db.run("UPDATE jobs SET path_removed = 1 WHERE \(clause) AND state = 'running'", values)
            try db.run("DELETE FROM seen_files WHERE \(clause)", values)
        }
    }

    /// Paths the catalog holds as present under `folder`: live documents and queued or running jobs.
    /// A rescan compares these with what is on disk to find files removed while nobody watched.
    public func knownPaths(under folder: String) throws -> [String] {
        let folderValues = Catalog.folderValues(folder)
        return try read { db in
            try db.query("""
                SELECT path FROM documents WHERE \(Catalog.underFolder()) AND superseded_at IS NULL AND removed_at IS NULL
                UNION
                SELECT path FROM jobs WHERE \(Catalog.underFolder()) AND state IN ('queued','running') AND path_removed = 0
                ORDER BY path
                """, folderValues + folderValues) { $0.text(0) }
        }
    }
}
