import CSQLite
import Foundation

/// The durable job queue and the full-text index, in one SQLite file.
///
/// One connection guarded by a lock, so one instance per process is shared by every thread.
/// The file runs in WAL mode: a reader (`scrawl search` in another process) never waits for the
/// daemon's writes and always sees the last committed state. `synchronous=FULL`: a commit is on
/// disk before `complete` returns, so neither a `kill -9` nor a power cut can lose a finished read
/// and make the model run twice; an fsync per scan is nothing next to seconds of inference.
public final class Catalog: @unchecked Sendable {
    public let path: String
    public let readOnly: Bool
    let db: SQLiteConnection
    private let lock = NSLock()

    /// How long a statement waits for another process's lock before failing.
    public static let busyTimeoutMs: Int32 = 10_000

    /// Opens the catalog at `path`. Writable: creates it (mode 0600, parent folder 0700 if missing)
    /// and migrates the schema. Read-only: the file must exist and have a schema.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else { throw CatalogError.missingCatalog(path: path) }
            guard access(path, R_OK) == 0 else { throw CatalogError.permissionDenied(path: path) }
        } else {
            try Catalog.createFile(at: path)
        }
        db = try SQLiteConnection(path: path, readOnly: readOnly)
        sqlite3_busy_timeout(db.handle, Catalog.busyTimeoutMs)
        if readOnly {
            try db.exec("PRAGMA query_only = ON")
            // Read pages through mmap: a one-shot `scrawl search` skips copying index pages into its cache.
            try db.exec("PRAGMA mmap_size = 268435456")
            let version = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
            if version == 0 { throw CatalogError.notInitialised(path: path) }
            if version > Schema.version {
                throw CatalogError.newerSchema(path: path, found: version, supported: Schema.version)
            }
        } else {
            try db.exec("PRAGMA journal_mode = WAL")
            try db.exec("PRAGMA synchronous = FULL")
            try db.exec("PRAGMA foreign_keys = ON")
            try migrate()
        }
    }

    /// Creates an empty file with mode 0600 before SQLite opens it (SQLite would use 0644 and the umask;
    /// its -wal and -shm files copy the database file's mode).
    private static func createFile(at path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw CatalogError.cannotCreate(path: path, reason: "cannot create the folder \(folder): \(error.localizedDescription)")
            }
        }
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EACCES { throw CatalogError.permissionDenied(path: path) }
        guard fd >= 0 else {
            throw CatalogError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        close(fd)
    }

    private func migrate() throws {
        let current = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
        if current > Schema.version {
            throw CatalogError.newerSchema(path: path, found: current, supported: Schema.version)
        }
        guard current < Schema.version else { return }
        try write { db in
            // Re-read under the write lock: another process may have migrated meanwhile.
            let locked = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
            guard locked < Schema.version else { return }
            for step in locked..<Schema.version { try db.exec(Schema.migrations[step]) }
            try db.exec("PRAGMA user_version = \(Schema.version)")
        }
    }

    /// The schema version this build writes.
    public static var schemaVersion: Int { Schema.version }

    // MARK: - Access

    /// Runs `body` in one IMMEDIATE transaction (takes the write lock at once, so no upgrade deadlock).
    @discardableResult
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        guard !readOnly else { throw CatalogError.readOnly(path: path) }
        return try transaction("BEGIN IMMEDIATE", body)
    }

    /// A best-effort write (progress, a finished page): waits at most `busyTimeoutMs` for the write lock
    /// instead of the usual `busyTimeoutMs`, so a long `scrawl reindex` never stalls a read for it.
    @discardableResult
    func writeSoon<T>(busyTimeoutMs: Int32 = 250, _ body: (SQLiteConnection) throws -> T) throws -> T {
        guard !readOnly else { throw CatalogError.readOnly(path: path) }
        lock.lock()
        sqlite3_busy_timeout(db.handle, busyTimeoutMs)
        lock.unlock()
        defer {
            lock.lock()
            sqlite3_busy_timeout(db.handle, Catalog.busyTimeoutMs)
            lock.unlock()
        }
        return try transaction("BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in one read transaction: a consistent snapshot even while the daemon writes.
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try transaction("BEGIN DEFERRED", body)
    }

    private func transaction<T>(_ begin: String, _ body: (SQLiteConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        try db.exec(begin)
        do {
            let value = try body(db)
            try db.exec("COMMIT")
            return value
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
    }

    static func now() -> Double { Date().timeIntervalSince1970 }
}
