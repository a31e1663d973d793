/// The device (`st_dev`) each inbox was on when a walk last found the files the catalog knows there.
/// A walk that finds the inbox on another device (a network share not mounted, the empty mount point
/// in its place) skips removals instead of taking every file for deleted.
extension Catalog {
    /// The device recorded for the inbox at `path`, or nil when none was.
    public func inboxDevice(path: String) throws -> Int64? {
        try read { db in
            try db.query("SELECT device FROM inbox_roots WHERE path = ?", [.text(path)]) { $0.int64(0) }.first
        }
    }

    public func recordInboxDevice(path: String, device: Int64) throws {
        try write { db in
            try db.run("""
                INSERT INTO inbox_roots (path, device) VALUES (?, ?)
                ON CONFLICT (path) DO UPDATE SET device = excluded.device
                """, [.text(path), .int(device)])
        }
    }
}
