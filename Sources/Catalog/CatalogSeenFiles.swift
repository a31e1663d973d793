/// The files the daemon has hashed, by path: their identity (device, inode, size, mtime ns) and the
/// SHA-256 of their bytes then. Written in the enqueue's transaction; read at every look at a file.
extension Catalog {
    /// What the catalog remembers of `path`, or nil.
    public func seenFile(path: String) throws -> SeenFile? {
        try read { db in
            try db.query("SELECT device, inode, size, mtime_ns, sha256, format FROM seen_files WHERE path = ?",
                         [.text(path)]) {
                SeenFile(identity: FileIdentity(device: $0.int64(0), inode: $0.int64(1), size: $0.int64(2), mtimeNs: $0.int64(3)),
                         sha256: $0.text(4), format: $0.text(5))
            }.first
        }
    }

    static func recordSeen(_ db: SQLiteConnection, _ scan: ScanCandidate) throws {
        guard let identity = scan.identity else { return }
        try db.run("""
            INSERT INTO seen_files (path, device, inode, size, mtime_ns, sha256, format) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (path) DO UPDATE SET device = excluded.device, inode = excluded.inode, size = excluded.size,
                mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, format = excluded.format
            """, [.text(scan.path), .int(identity.device), .int(identity.inode), .int(identity.size), .int(identity.mtimeNs),
                  .text(scan.sha256), .text(scan.format)])
    }
}
