import Catalog
import Glibc

/// What `lstat` says about a path (symlinks are not followed).
public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable { case regular, directory, symlink, other }
    public var kind: Kind
    public var size: Int64
    public var mtime: Double
    /// Permission bits (`st_mode & 0o7777`).
    public var mode: mode_t
    public var device: UInt64 = 0
    public var inode: UInt64 = 0
    public var mtimeNs: Int64 = 0

    /// nil when the path does not exist (or cannot be looked at).
    public static func lstat(_ path: String) -> FileStatus? {
        var info = stat()
        guard Glibc.lstat(path, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        size = Int64(info.st_size)
        mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        mode = info.st_mode & 0o7777
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        mtimeNs = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    /// Device, inode, size and mtime (ns): unchanged means the bytes were not rewritten.
    public var identity: FileIdentity {
        FileIdentity(device: Int64(bitPattern: device), inode: Int64(bitPattern: inode), size: size, mtimeNs: mtimeNs)
    }

    var snapshot: SettleTracker.Snapshot { .init(size: size, mtime: mtime) }
}

/// `realpath(3)`, nil when the path does not resolve.
func resolvedPath(_ path: String) -> String? {
    guard let real = realpath(path, nil) else { return nil }
    defer { free(real) }
    return String(cString: real)
}

/// Whether `path` is `root` or lies below it (both already normalised).
func isInside(_ path: String, root: String) -> Bool {
    path == root || path.hasPrefix(root == "/" ? "/" : root + "/")
}
