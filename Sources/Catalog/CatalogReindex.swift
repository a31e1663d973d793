import CSQLite

/// `scrawl reindex`: the full-text index rebuilt into a new table in batches, each its own short write
/// transaction, then swapped in. The daemon's commits go on between batches (one batch holds the write
/// lock for well under a second), so a reindex of a large catalog never turns a finished read into a
/// busy error. What the daemon changes meanwhile is caught up in the swap's transaction: documents
/// that stopped being live are deleted from the new index, live ones it lacks are added.
extension Catalog {
    /// Documents indexed per write transaction.
    public static let reindexBatch = 500

    static let rebuildTable = "pages_fts_rebuild"
    static let rebuiltIDs = "pages_fts_rebuild_ids"

    /// Rebuilds the index (a tokenizer change takes effect) and returns how many live documents it holds.
    /// `betweenBatches` runs after each batch's commit, with the pages indexed so far.
    @discardableResult
    public func reindex(batch: Int = Catalog.reindexBatch, betweenBatches: (Int) throws -> Void = { _ in }) throws -> Int {
        let batch = max(1, batch)
        // A rebuild interrupted earlier (a crash, a kill) left its tables: start over.
        try write { db in
            try db.exec("DROP TABLE IF EXISTS \(Self.rebuildTable)")
            try db.exec("DROP TABLE IF EXISTS \(Self.rebuiltIDs)")
            try db.exec(Schema.createFTS(named: Self.rebuildTable))
            try db.exec("CREATE TABLE \(Self.rebuiltIDs) (id INTEGER PRIMARY KEY)")
        }
        var last: Int64 = 0, indexed = 0
        while true {
            let ids: [Int64] = try write { db in
                let ids = try db.query("SELECT id FROM \(Schema.liveView) WHERE id > ? ORDER BY id LIMIT ?",
                                       [.int(last), .int(Int64(batch))]) { $0.int64(0) }
                guard let high = ids.last else { return [] }
                try db.run("""
                    INSERT INTO \(Self.rebuildTable) (rowid, text) SELECT id, text FROM \(Schema.liveView) WHERE id > ? AND id <= ?
                    """, [.int(last), .int(high)])
                try db.run("INSERT INTO \(Self.rebuiltIDs) (id) SELECT id FROM \(Schema.liveView) WHERE id > ? AND id <= ?",
                           [.int(last), .int(high)])
                return ids
            }
            guard let high = ids.last else { break }
            last = high
            indexed += ids.count
            try betweenBatches(indexed)
        }
        // The triggers that keep the index in sync name it; a legacy rename does not re-check them while
        // the old table is gone (a modern one refuses: "no such table" in a trigger).
        try db.exec("PRAGMA legacy_alter_table = ON")
        defer { try? db.exec("PRAGMA legacy_alter_table = OFF") }
        let count: Int = try write { db in
            // Caught up with what changed since each batch (the daemon's triggers wrote to the old index):
            // pages gone from the live set are deleted from the new one, live pages it lacks are added. A page
            // row deleted meanwhile cannot be deleted by its text: then the new index is rebuilt here, whole.
            let lost = try db.scalarInt("""
                SELECT count(*) FROM \(Self.rebuiltIDs) r WHERE NOT EXISTS (SELECT 1 FROM document_pages p WHERE p.id = r.id)
                """) ?? 0
            if lost > 0 {
                try db.run("INSERT INTO \(Self.rebuildTable) (\(Self.rebuildTable)) VALUES ('rebuild')")
            } else {
                try db.run("""
                    INSERT INTO \(Self.rebuildTable) (\(Self.rebuildTable), rowid, text)
                    SELECT 'delete', p.id, p.text FROM document_pages p JOIN \(Self.rebuiltIDs) r ON r.id = p.id
                    WHERE p.id NOT IN (SELECT id FROM \(Schema.liveView))
                    """)
                try db.run("""
                    INSERT INTO \(Self.rebuildTable) (rowid, text)
                    SELECT id, text FROM \(Schema.liveView) WHERE id NOT IN (SELECT id FROM \(Self.rebuiltIDs))
                    """)
            }
            try db.exec("DROP TABLE \(Self.rebuiltIDs)")
            try db.exec("DROP TABLE \(Schema.ftsTable)")
            try db.exec("ALTER TABLE \(Self.rebuildTable) RENAME TO \(Schema.ftsTable)")
            return Int(try db.scalarInt("""
                SELECT count(*) FROM documents WHERE state = 'done' AND superseded_at IS NULL AND removed_at IS NULL
                """) ?? 0)
        }
        // Segments merged a little at a time (an 'optimize' would hold the lock for the whole index); FTS5
        // did work when total_changes grew by 2 or more.
        for _ in 0..<64 {
            let changed = try write { db -> Bool in
                let before = sqlite3_total_changes(db.handle)
                try db.run("INSERT INTO \(Schema.ftsTable) (\(Schema.ftsTable), rank) VALUES ('merge', 200)")
                return sqlite3_total_changes(db.handle) - before > 1
            }
            if !changed { break }
        }
        return count
    }
}
