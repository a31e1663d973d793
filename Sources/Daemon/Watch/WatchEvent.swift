/// What the inotify watcher reports, with full paths.
public enum WatchEvent: Equatable, Sendable {
    /// A file was closed after writing, or moved in (CLOSE_WRITE / MOVED_TO).
    case fileWritten(String)
    /// A file was deleted or moved away (DELETE / MOVED_FROM).
    case fileRemoved(String)
    /// A folder appeared (mkdir or moved in) and is now watched; files may already be inside it.
    case folderAppeared(String)
    /// A folder was deleted or moved away (or renamed: the new name comes as `folderAppeared`).
    case folderRemoved(String)
    /// The kernel dropped events (IN_Q_OVERFLOW): only a full rescan can tell what changed.
    case overflow
}
