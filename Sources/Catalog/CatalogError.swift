/// Catalog failures other than raw SQLite errors (those come as `SQLiteError`).
public enum CatalogError: Error, CustomStringConvertible, Equatable {
    case readOnly(path: String)
    case missingCatalog(path: String)
    case cannotCreate(path: String, reason: String)
    case newerSchema(path: String, found: Int, supported: Int)
    case notInitialised(path: String)
    case permissionDenied(path: String)
    case jobNotFound(id: Int64)
    case jobNotRunning(id: Int64, state: String)

    public var description: String {
        switch self {
        case .readOnly(let path):
            return "the catalog \(path) was opened read-only; this operation writes"
        case .missingCatalog(let path):
            return "no catalog at \(path): start the daemon (scrawl serve) once, or pass --state-dir/--config pointing at its state directory"
        case .cannotCreate(let path, let reason):
            return "cannot create the catalog \(path): \(reason)"
        case .newerSchema(let path, let found, let supported):
            return "the catalog \(path) has schema version \(found), newer than this scrawl understands (\(supported)); upgrade scrawl"
        case .permissionDenied(let path):
            return "cannot open the catalog \(path): permission denied (it is private to the daemon's user: run as that user, e.g. sudo -u scrawl scrawl …, or as root)"
        case .notInitialised(let path):
            return "the catalog \(path) has no schema yet: start the daemon once to create it"
        case .jobNotFound(let id):
            return "job \(id) is not in the catalog"
        case .jobNotRunning(let id, let state):
            return "job \(id) is \(state), not running: it was already finished or requeued"
        }
    }
}
