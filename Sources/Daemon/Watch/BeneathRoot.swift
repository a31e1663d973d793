import CSafeOpen
import Glibc

/// A folder opened once by its trusted path (an inbox, or `sidecar_dir`), and every path below it
/// opened relative to that descriptor: openat2(2) with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, so the
/// kernel refuses, at the moment of use, a symbolic link anywhere on the way (ELOOP) and any `..`
/// that would climb out (EXDEV). A folder swapped for a link between a check and the use can no
/// longer lead an open, a create or a rename out of the root.
///
/// Opened per scan read or sidecar write, not kept for the daemon's lifetime: a held descriptor keeps
/// a network inbox busy (umount fails with EBUSY) and would still point at the old tree after a remount.
final class BeneathRoot {
    let path: String
    let fd: Int32

    /// Opens `path` (followed as configured: the root itself may be reached through a link).
    init(_ path: String) throws(BeneathError) {
        let fd = Glibc.open(path, scrawl_o_path() | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BeneathError(root: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// `path` relative to the root, or nil when it is not the root or below it (as text).
    func relative(_ path: String) -> String? {
        guard isInside(path, root: self.path) else { return nil }
        return String(path.dropFirst(self.path.count).drop { $0 == "/" })
    }

    /// openat2 of `relative` below the root ("" is the root itself); -1 with errno set on failure.
    func open(_ relative: String, flags: Int32, mode: mode_t = 0) -> Int32 {
        Self.open(relative.isEmpty ? "." : relative, below: fd, flags: flags, mode: mode)
    }

    /// openat2(dirFD, relative, {flags, mode, RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS}); on a kernel
    /// without it, the component walk of `walk`. -1 with errno set on failure.
    static func open(_ relative: String, below dirFD: Int32, flags: Int32, mode: mode_t = 0) -> Int32 {
        let flags = flags | O_CLOEXEC
        guard usesOpenat2 else { return walk(relative, below: dirFD, flags: flags, mode: mode) }
        // openat2 refuses a mode without O_CREAT (EINVAL).
        let fd = scrawl_openat2(dirFD, relative, flags, flags & O_CREAT != 0 ? mode : 0,
                                UInt64(SCRAWL_RESOLVE_BENEATH | SCRAWL_RESOLVE_NO_SYMLINKS))
        return fd
    }

    /// Whether openat2 is used: the kernel has it (5.6+) and lets this process call it, and the
    /// environment does not ask for the fallback (`SCRAWL_NO_OPENAT2=1`, for tests).
    static var usesOpenat2: Bool { openat2Works && getenv("SCRAWL_NO_OPENAT2") == nil }

    /// One probe per process. ENOSYS: a kernel older than 5.6. EPERM: a seccomp filter that predates
    /// the call (the unit's SystemCallErrorNumber=EPERM on a systemd whose @system-service lacks it).
    static let openat2Works: Bool = {
        let fd = scrawl_openat2(AT_FDCWD, "/", scrawl_o_path() | O_DIRECTORY | O_CLOEXEC, 0, 0)
        guard fd >= 0 else { return errno != ENOSYS && errno != EPERM }
        close(fd)
        return true
    }()

    /// The fallback for kernels without openat2: one component at a time, each folder opened with
    /// openat(O_NOFOLLOW|O_DIRECTORY) relative to the one before (a link on the way: ELOOP, as with
    /// RESOLVE_NO_SYMLINKS), the last with O_NOFOLLOW; `..` is refused (EXDEV, as RESOLVE_BENEATH).
    /// The same guarantee, one syscall per component instead of one in all.
    static func walk(_ relative: String, below dirFD: Int32, flags: Int32, mode: mode_t) -> Int32 {
        let components = relative.split(separator: "/").filter { $0 != "." }
        guard !components.contains("..") else {
            errno = EXDEV
            return -1
        }
        guard let last = components.last else { return openat(dirFD, ".", flags, mode) }
        var current = dirFD
        for component in components.dropLast() {
            let next = openat(current, String(component), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            var code = errno
            // O_DIRECTORY is checked before O_NOFOLLOW: a link says ENOTDIR here. Said as ELOOP, as openat2 does.
            if next < 0 && code == ENOTDIR && isLink(String(component), in: current) { code = ELOOP }
            if current != dirFD { close(current) }
            guard next >= 0 else {
                errno = code
                return -1
            }
            current = next
        }
        let fd = openat(current, String(last), flags | O_NOFOLLOW, mode)
        var code = errno
        if fd < 0 && code == ENOTDIR && flags & O_DIRECTORY != 0 && isLink(String(last), in: current) { code = ELOOP }
        if current != dirFD { close(current) }
        errno = code
        return fd
    }
}

/// Whether `name` in the folder `dirFD` is a symbolic link (not followed).
private func isLink(_ name: String, in dirFD: Int32) -> Bool {
    var info = stat()
    return fstatat(dirFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFLNK
}

/// The root of a `BeneathRoot` cannot be opened.
struct BeneathError: Error, CustomStringConvertible {
    var root: String
    var errno: Int32

    var description: String { "cannot open the folder \(root): \(String(cString: strerror(errno)))" }
}
