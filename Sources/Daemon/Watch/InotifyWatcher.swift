import Glibc

/// Raw inotify through Glibc (not libinotifytools: GPL-2, not thread-safe, stale paths after a rename).
/// Watches folder trees, adds watches for new sub-folders, keeps the wd → path map right across
/// renames (cookies), and turns the kernel's events into `WatchEvent`s. Not thread-safe: one owner.
public final class InotifyWatcher {
    /// Read this with poll/epoll; call `readEvents()` when it is readable.
    public let fd: Int32
    private var paths: [Int32: String] = [:]
    private var wds: [String: Int32] = [:]
    private var recursiveRoots: [String: Bool] = [:]
    /// Folders (sidecar_dir below an inbox) never watched.
    private var excluded: Set<String>
    /// Folders that could not be watched (inotify watches ran out: ENOSPC; or no permission), with why.
    /// Seen only by rescans until they are watched.
    public private(set) var unwatched: [String: String] = [:]

    static let folderMask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM) | UInt32(IN_CREATE)
        | UInt32(IN_DELETE) | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_ONLYDIR) | UInt32(IN_DONT_FOLLOW)

    public init(excluding excluded: Set<String> = []) throws {
        let fd = inotify_init1(Int32(IN_NONBLOCK) | Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw DaemonError.inotify(reason: "inotify_init1 failed: \(String(cString: strerror(errno)))") }
        self.fd = fd
        self.excluded = excluded
    }

    deinit { close(fd) }

    /// Folders watched now.
    public var watchedFolders: [String] { wds.keys.sorted() }

    public func isWatched(_ folder: String) -> Bool { wds[folder] != nil }

    /// Watches `root` (and, when `recursive`, every folder below it). Returns the folders newly watched.
    /// Failing to watch a sub-folder is not fatal (it is logged by the caller from the returned errors).
    @discardableResult
    public func watchTree(_ root: String, recursive: Bool) throws -> [String] {
        recursiveRoots[root] = recursive
        var added: [String] = []
        try addWatch(root)
        added.append(root)
        if recursive { added += watchBelow(root) }
        return added
    }

    /// Reads every pending event (non-blocking) and returns them in order.
    public func readEvents() -> [WatchEvent] {
        var events: [WatchEvent] = []
        var movedFolders: [UInt32: String] = [:]
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<inotify_event>.alignment)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer, size)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let nameStart = buffer + offset + MemoryLayout<inotify_event>.size
                let name = event.len > 0 ? String(cString: nameStart.assumingMemoryBound(to: CChar.self)) : ""
                handle(event, name: name, movedFolders: &movedFolders, into: &events)
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
            }
        }
        // A folder moved away with no MOVED_TO inside the watched trees has left them.
        for (_, path) in movedFolders.sorted(by: { $0.value < $1.value }) {
            forgetTree(path)
            events.append(.folderRemoved(path))
        }
        return events
    }

    private func handle(_ event: inotify_event, name: String, movedFolders: inout [UInt32: String], into events: inout [WatchEvent]) {
        let mask = event.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            events.append(.overflow)
            return
        }
        if mask & UInt32(IN_IGNORED) != 0 {
            if let path = paths.removeValue(forKey: event.wd) { wds[path] = nil }
            return
        }
        guard let folder = paths[event.wd] else { return }
        if mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)) != 0 {
            // Only an inbox root reports this usefully: its parent is not watched.
            if recursiveRoots[folder] != nil {
                forgetTree(folder)
                events.append(.folderRemoved(folder))
            }
            return
        }
        guard !name.isEmpty else { return }
        let path = folder == "/" ? "/" + name : folder + "/" + name
        let isFolder = mask & UInt32(IN_ISDIR) != 0
        if isFolder {
            let recursive = recursiveRoot(of: folder) ?? false
            if mask & UInt32(IN_MOVED_FROM) != 0 {
                movedFolders[event.cookie] = path
            } else if mask & UInt32(IN_MOVED_TO) != 0 {
                if let old = movedFolders.removeValue(forKey: event.cookie) {
                    renameTree(from: old, to: path)
                    events.append(.folderRemoved(old))
                    if recursive && mayWatch(path) { events.append(.folderAppeared(path)) }
                    else { forgetTree(path) }
                } else if recursive && mayWatch(path) {
                    if (try? addWatch(path)) != nil { _ = watchBelow(path) }
                    events.append(.folderAppeared(path))
                }
            } else if mask & UInt32(IN_CREATE) != 0 {
                if recursive && mayWatch(path) {
                    if (try? addWatch(path)) != nil { _ = watchBelow(path) }
                    events.append(.folderAppeared(path))
                }
            } else if mask & UInt32(IN_DELETE) != 0 {
                forgetTree(path)
                events.append(.folderRemoved(path))
            }
            return
        }
        if mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)) != 0 {
            events.append(.fileWritten(path))
        } else if mask & (UInt32(IN_DELETE) | UInt32(IN_MOVED_FROM)) != 0 {
            events.append(.fileRemoved(path))
        }
    }

    /// Tries again to watch the folders that could not be watched (and what lies below them); the
    /// ones gone meanwhile are forgotten. Returns the folders watched now.
    @discardableResult
    public func retryUnwatched() -> [String] {
        var added: [String] = []
        for folder in unwatched.keys.sorted() {
            guard FileStatus.lstat(folder)?.kind == .directory else {
                unwatched[folder] = nil
                continue
            }
            guard (try? addWatch(folder)) != nil else { continue }
            added.append(folder)
            if recursiveRoot(of: folder) ?? false { added += watchBelow(folder) }
        }
        return added
    }

    private func mayWatch(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return ScanNameFilter.mayHoldScans(folder: name) && !excluded.contains(path)
    }

    private func recursiveRoot(of folder: String) -> Bool? {
        recursiveRoots.filter { isInside(folder, root: $0.key) }.max { $0.key.count < $1.key.count }?.value
    }

    private func addWatch(_ folder: String) throws {
        let wd = inotify_add_watch(fd, folder, Self.folderMask)
        guard wd >= 0 else {
            let code = errno
            let reason = code == ENOSPC
                ? "the inotify watches ran out (raise fs.inotify.max_user_watches)" : String(cString: strerror(code))
            unwatched[folder] = reason
            throw DaemonError.inotify(reason: "cannot watch \(folder): \(reason)")
        }
        unwatched[folder] = nil
        if let old = paths[wd], old != folder { wds[old] = nil }
        paths[wd] = folder
        wds[folder] = wd
    }

    /// Watches every sub-folder below `folder` (lstat: symlinked folders are not followed).
    private func watchBelow(_ folder: String) -> [String] {
        var added: [String] = []
        for child in FolderWalker.subfolders(of: folder) where mayWatch(child) {
            guard (try? addWatch(child)) != nil else { continue }
            added.append(child)
            added += watchBelow(child)
        }
        return added
    }

    private func renameTree(from old: String, to new: String) {
        for (path, wd) in wds where isInside(path, root: old) {
            let moved = new + path.dropFirst(old.count)
            wds[path] = nil
            wds[moved] = wd
            paths[wd] = moved
        }
    }

    private func forgetTree(_ folder: String) {
        unwatched = unwatched.filter { !isInside($0.key, root: folder) }
        for (path, wd) in wds where isInside(path, root: folder) {
            inotify_rm_watch(fd, wd)
            wds[path] = nil
            paths[wd] = nil
        }
    }
}
