import Glibc

/// Reads a small text file that someone else may control (a folder tag in an inbox): opened with
/// O_NOFOLLOW|O_NONBLOCK (a symlink or a FIFO swapped in after the lstat is refused, never waited
/// on), a regular file only, and never more than `limit` bytes: a sparse 8 GiB `.scrawl.toml`
/// costs one fstat, not 8 GiB of memory. With `root` (the inbox, or `sidecar_dir`), a path below it is
/// opened relative to the root's descriptor (BeneathRoot: no link anywhere on the way), so a folder
/// swapped for a link cannot hand the daemon a tag or sidecar from outside the inbox.
enum BoundedFileReader {
    static func read(_ path: String, limit: Int, beneath root: String? = nil) throws -> String {
        let flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        let fd: Int32
        if let root {
            let folder: BeneathRoot
            do { folder = try BeneathRoot(root) } catch { throw ConfigError.unreadable(file: path, reason: "\(error)") }
            guard let relative = folder.relative(path) else {
                throw ConfigError.unreadable(file: path, reason: "not inside \(root)")
            }
            fd = folder.open(relative, flags: flags)
        } else {
            fd = open(path, flags)
        }
        guard fd >= 0 else {
            let code = errno
            let reason = code == ELOOP ? "is a symbolic link or lies behind one (not followed)" : String(cString: strerror(code))
            throw ConfigError.unreadable(file: path, reason: reason)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ConfigError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ConfigError.unreadable(file: path, reason: "not a regular file (a FIFO, socket or device)")
        }
        guard info.st_size <= limit else { throw ConfigError.tooLarge(file: path, bytes: Int64(info.st_size), limit: limit) }
        // The size can grow after the fstat: read at most limit + 1 bytes to notice.
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw ConfigError.unreadable(file: path, reason: String(cString: strerror(errno))) }
            if got == 0 { break }
            filled += got
        }
        guard filled <= limit else { throw ConfigError.tooLarge(file: path, bytes: Int64(filled), limit: limit) }
        guard let text = String(validating: bytes[..<filled], as: UTF8.self) else {
            throw ConfigError.unreadable(file: path, reason: "not valid UTF-8")
        }
        return text
    }
}
