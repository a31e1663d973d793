/// Bulk recording of scans read elsewhere (benchmarks, importing existing sidecars).
extension Catalog {
    /// Records each scan as its path's current, searchable version (replacing an older one), without jobs,
    /// all in one transaction. Returns how many were recorded.
    @discardableResult
    public func recordReadScans(_ scans: [(scan: ScanCandidate, result: ReadResult)]) throws -> Int {
        try write { db in
            let now = Catalog.now()
            for (scan, result) in scans {
                try Catalog.supersedeCurrent(db, path: scan.path, now: now)
                try Catalog.insertDocument(db, scan: scan, result: result, jobID: nil, reusedFrom: nil,
                                           removed: false, now: now)
            }
            return scans.count
        }
    }
}
