import Foundation
import Glibc

/// Writes a sidecar atomically: a dot-named temp file in the same folder (the watcher ignores it),
/// fsync, rename over the final name, fsync the folder. The mode is the scan's, cut to 0640 at most.
public enum SidecarWriter {
    /// The scan's permission bits, at most group-readable, always owner read/write.
    public static func mode(forScanMode scanMode: mode_t) -> mode_t {
        (scanMode & 0o640) | 0o600
    }

    /// With `root`, the folder (and any folder made for it) must resolve inside `root`.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, within root: String? = nil) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        if let root { try ensure(folder, staysInside: root) }
        try makeFolder(folder)
        if let root { try ensure(folder, staysInside: root) }
        // One fixed temp name per sidecar: a temp file left by a kill is truncated and renamed by the
        // next write of the same sidecar (the interrupted job is always read again), not left behind.
        // Only one thread writes a given scan's sidecars at a time (the catalog never reuses a result
        // for a path whose job is running), so the fixed name is not shared by two writers.
        let temp = FolderWalker.join(folder, temporaryName(for: name))
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SidecarError(path: path, operation: "create the temp file \(temp)", errno: errno) }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temp) }
        }
        guard fchmod(fd, mode) == 0 else { throw SidecarError(path: path, operation: "chmod", errno: errno) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SidecarError(path: path, operation: "write", errno: errno)
            }
            written += count
        }
        guard fsync(fd) == 0 else { throw SidecarError(path: path, operation: "fsync", errno: errno) }
        guard rename(temp, path) == 0 else { throw SidecarError(path: path, operation: "rename into place", errno: errno) }
        renamed = true
        try syncFolder(folder, for: path)
    }

    /// fsync of a folder, so that a new name in it survives a power cut; a failure is an error
    /// (EINVAL: the file system cannot sync folders, nothing to be done).
    static func syncFolder(_ folder: String, for path: String) throws {
        let dirFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFD >= 0 else { throw SidecarError(path: path, operation: "open the folder \(folder) to sync it", errno: errno) }
        defer { close(dirFD) }
        guard fsync(dirFD) == 0 || errno == EINVAL else {
            throw SidecarError(path: path, operation: "fsync the folder \(folder)", errno: errno)
        }
    }

    /// `.NAME.scrawl-tmp`, or `.scrawl-tmp-HASH` (FNV-1a of the name) when that would pass NAME_MAX
    /// (255 bytes): a scan named with 250 bytes has a 255-byte sidecar name, which fits, but no room
    /// for the decoration.
    static func temporaryName(for name: String) -> String {
        let decorated = ".\(name).scrawl-tmp"
        guard decorated.utf8.count > Int(NAME_MAX) else { return decorated }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return ".scrawl-tmp-" + String(hash, radix: 16)
    }

    /// The deepest existing folder on the way to `folder` must resolve inside `root`: a symbolic link
    /// planted below the inbox or sidecar_dir (e.g. sidecar_dir/sub → /etc) never leads a sidecar, or a
    /// folder made for one, out of it. A missing root is made by `makeFolder` (nothing to follow yet).
    static func ensure(_ folder: String, staysInside root: String) throws {
        guard let realRoot = resolvedPath(root) else { return }
        var existing = folder
        while FileStatus.lstat(existing) == nil && existing.count > 1 { existing = (existing as NSString).deletingLastPathComponent }
        guard let real = resolvedPath(existing), isInside(real, root: realRoot) else {
            throw SidecarError(path: folder, operation: "check the folder", errno: ELOOP,
                               detail: "it leads out of \(root) through a symbolic link; sidecars are never written through one")
        }
    }

    /// Removes a stale sidecar (a text file from an older version of a scan that now fails).
    public static func remove(_ path: String) {
        unlink(path)
    }

    /// Makes the missing folders on the way to `folder` (mode 0750), each synced and its parent synced
    /// after it, so that a power cut cannot leave a synced sidecar in a folder whose name was lost.
    private static func makeFolder(_ folder: String) throws {
        var missing: [String] = []
        var existing = folder
        while FileStatus.lstat(existing)?.kind != .directory && existing.count > 1 {
            missing.append(existing)
            existing = (existing as NSString).deletingLastPathComponent
        }
        for created in missing.reversed() {
            guard mkdir(created, 0o750) == 0 || errno == EEXIST else {
                throw SidecarError(path: folder, operation: "create the folder \(created)", errno: errno)
            }
            try syncFolder(created, for: folder)
            try syncFolder((created as NSString).deletingLastPathComponent, for: folder)
        }
    }
}

public struct SidecarError: Error, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Int32
    public var detail: String?

    init(path: String, operation: String, errno: Int32, detail: String? = nil) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        "cannot write sidecar \(path): \(operation) failed: \(detail ?? String(cString: strerror(errno)))"
    }
}
