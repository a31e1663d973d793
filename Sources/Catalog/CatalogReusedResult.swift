import Foundation

extension Catalog {
    /// The result recorded for `path` when its current document is a reused one (done, present,
    /// taken from identical bytes read under another path); nil otherwise. A reused result is
    /// committed before its sidecars are written, so after a crash between the two the daemon
    /// writes the missing sidecars from this.
    public func reusedResult(path: String) throws -> ReadResult? {
        try read { db in
            let reused = try db.scalarInt("""
                SELECT count(*) FROM documents
                WHERE path = ? AND superseded_at IS NULL AND removed_at IS NULL AND state = 'done' AND reused_from IS NOT NULL
                """, [.text(path)]) ?? 0
            guard reused > 0 else { return nil }
            return try Catalog.currentDocument(db, path: path)?.result
        }
    }
}
