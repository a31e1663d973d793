/// Bulk recording of scans read elsewhere (benchmarks, importing existing sidecars).
extension Catalog {
    /// Records each scan as its path's current, searchable version (replacing an older one), without jobs,
    /// all in one transaction; a scan with an identity is remembered as seen (not hashed again). Returns
    /// how many were recorded.
    @discardableResult
    public func recordReadScans(_ scans: [(scan: ScanCandidate, result: ReadResult)]) throws -> Int {
        try write { db in
            let now = Catalog.now()
            for (scan, result) in scans {
                try Catalog.recordSeen(db, scan)
                try Catalog.supersedeCurrent(db, path: scan.path, now: now)
                try Catalog.insertDocument(db, scan: scan, result: result, jobID: nil, reusedFrom: nil,
                                           removed: false, now: now)
            }
            return scans.count
        }
    }

    /// Whether `path` has a current document that is not removed.
    public func hasLiveDocument(path: String) throws -> Bool {
        try read { db in
            try db.scalarInt("SELECT count(*) FROM documents WHERE path = ? AND superseded_at IS NULL AND removed_at IS NULL",
                             [.text(path)]) ?? 0 > 0
        }
    }
}
