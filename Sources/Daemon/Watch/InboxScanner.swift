/// Walks an inbox (or a folder inside one) for files that may be scans: regular files only
/// (lstat: symlinks, FIFOs, sockets and devices are skipped), no hidden folders, no excluded folders.
public enum InboxScanner {
    public struct Found: Equatable, Sendable {
        public var path: String
        public var status: FileStatus
    }

    /// `undecodable` hears of names that are not valid UTF-8 (they reach Swift with U+FFFD for the
    /// bad bytes, so they cannot be opened by name). `visited` hears of each folder listed (the
    /// monitor keeps its heartbeat fresh through a long walk).
    public static func files(under folder: String, recursive: Bool, excluding excluded: Set<String> = [],
                             undecodable: (String) -> Void = { _ in }, visited: (String) -> Void = { _ in }) -> [Found] {
        visited(folder)
        var found: [Found] = []
        for name in FolderWalker.entries(of: folder) {
            let path = FolderWalker.join(folder, name)
            guard let status = FileStatus.lstat(path) else {
                if name.contains("\u{FFFD}") { undecodable(path) }
                continue
            }
            switch status.kind {
            case .regular where ScanNameFilter.mayBeScan(name):
                found.append(Found(path: path, status: status))
            case .directory where recursive && ScanNameFilter.mayHoldScans(folder: name) && !excluded.contains(path):
                found += files(under: path, recursive: true, excluding: excluded, undecodable: undecodable, visited: visited)
            default:
                continue
            }
        }
        return found
    }
}
