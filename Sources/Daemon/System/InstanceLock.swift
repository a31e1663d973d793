import Foundation
import Glibc

/// One daemon per state directory: an exclusive `flock` on `<state_dir>/scrawl.lock`, held for the
/// life of the process (the kernel drops it when the process dies, even on kill -9).
public final class InstanceLock {
    public let path: String
    private let fd: Int32

    public init(stateDir: String) throws {
        path = stateDir + "/scrawl.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw DaemonError.lockFile(path: path, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw DaemonError.alreadyRunning(lockPath: path) }
            throw DaemonError.lockFile(path: path, reason: String(cString: strerror(code)))
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Whether a daemon holds the lock of `stateDir` now, and its pid (from the lock file), without
    /// taking it for more than an instant. nil when the lock file cannot be opened (no daemon ever
    /// ran there, or it is not ours to read).
    public static func holder(stateDir: String) -> (running: Bool, pid: Int32?)? {
        let path = stateDir + "/scrawl.lock"
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return (false, nil)
        }
        guard errno == EWOULDBLOCK else { return nil }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        let text = count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
        return (true, Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
