/// Why the daemon cannot start or go on (per-scan problems never end up here: they are recorded per file).
public enum DaemonError: Error, Equatable, CustomStringConvertible {
    case noInbox(configFile: String)
    case inboxMissing(path: String)
    case stateDir(path: String, reason: String)
    case lockFile(path: String, reason: String)
    case alreadyRunning(lockPath: String)
    case inotify(reason: String)

    public var description: String {
        switch self {
        case .noInbox(let file):
            return "no inbox to watch: add [[inbox]] path = \"/folder\" to \(file) or pass --inbox DIR"
        case .inboxMissing(let path):
            return "inbox \(path) does not exist or is not a folder: create it (mkdir -p \(path)) or fix the configuration"
        case .stateDir(let path, let reason):
            return "state directory \(path) cannot be used: \(reason) (create it, or pass --state-dir)"
        case .lockFile(let path, let reason):
            return "cannot open the lock file \(path): \(reason)"
        case .alreadyRunning(let lockPath):
            return "another scrawl serve is already running on this state directory (lock held on \(lockPath))"
        case .inotify(let reason):
            return "inotify: \(reason) (raise fs.inotify.max_user_watches / max_user_instances?)"
        }
    }
}
