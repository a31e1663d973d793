import Glibc

/// A scan's bytes, read once without following symlinks and without blocking on FIFOs.
public struct ScanBytes: Sendable {
    public var bytes: [UInt8]
    public var status: FileStatus

    /// A scan may not be larger than this (a page scan is a few MB; this stops a stray disk image).
    public static let maxBytes: Int64 = 256 << 20

    /// Tests only: called with the path once the scan is open, before its bytes are read.
    nonisolated(unsafe) static var afterOpenForTests: ((String) -> Void)?

    /// Opens `path` below `inboxRoot` without following a link (O_NONBLOCK: a FIFO never blocks),
    /// insists on a regular file, and reads it whole.
    public static func read(_ path: String, inboxRoot: String, maxBytes: Int64 = ScanBytes.maxBytes) throws -> ScanBytes {
        let (fd, status) = try open(path, inboxRoot: inboxRoot, maxBytes: maxBytes)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: Int(status.size))
        let filled = try readFully(fd, into: &bytes, path: path)
        if filled < bytes.count { bytes.removeSubrange(filled...) }
        var current = status
        current.size = Int64(filled)
        return ScanBytes(bytes: bytes, status: current)
    }

    /// The checks of `read`, without reading: the open descriptor (the caller closes it) and its status.
    /// The scan is opened below the inbox's descriptor (`BeneathRoot`): no symbolic link is followed,
    /// neither the scan's own name nor a folder on its way, even one swapped in a moment ago.
    static func open(_ path: String, inboxRoot: String, maxBytes: Int64 = ScanBytes.maxBytes) throws -> (Int32, FileStatus) {
        let root: BeneathRoot
        do { root = try BeneathRoot(inboxRoot) } catch { throw ScanReadError.io(path: path, operation: "open the inbox", errno: error.errno) }
        guard let relative = root.relative(path), !relative.isEmpty else { throw ScanReadError.outsideInbox(path: path, inbox: inboxRoot) }
        let fd = root.open(relative, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ELOOP:
                // The scan itself, or a folder on its way (a message only: the open was refused either way).
                if FileStatus.lstat(path)?.kind == .symlink { throw ScanReadError.symlink(path: path) }
                throw ScanReadError.linkOnTheWay(path: path, inbox: inboxRoot)
            case EXDEV: throw ScanReadError.outsideInbox(path: path, inbox: inboxRoot)
            default: throw ScanReadError.io(path: path, operation: "open", errno: code)
            }
        }
        do {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw ScanReadError.io(path: path, operation: "fstat", errno: errno) }
            let status = FileStatus(info)
            guard status.kind == .regular else { throw ScanReadError.notRegularFile(path: path) }
            afterOpenForTests?(path)
            guard status.size <= maxBytes else { throw ScanReadError.tooLarge(path: path, bytes: status.size, limit: maxBytes) }
            return (fd, status)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Reads until `buffer` is full or the file ends; returns how many bytes came.
    static func readFully(_ fd: Int32, into buffer: inout [UInt8], path: String) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ScanReadError.io(path: path, operation: "read", errno: errno)
            }
            if got == 0 { break }
            filled += got
        }
        return filled
    }
}

public enum ScanReadError: Error, Equatable, CustomStringConvertible {
    case symlink(path: String)
    case notRegularFile(path: String)
    case outsideInbox(path: String, inbox: String)
    case linkOnTheWay(path: String, inbox: String)
    case tooLarge(path: String, bytes: Int64, limit: Int64)
    case io(path: String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .symlink(let path): return "\(path): is a symbolic link; scrawl reads only regular files inside the inbox"
        case .notRegularFile(let path): return "\(path): not a regular file (FIFO, socket or device); ignored"
        case .outsideInbox(let path, let inbox): return "\(path): resolves outside the inbox \(inbox); not read"
        case .linkOnTheWay(let path, let inbox):
            return "\(path): a folder between the inbox \(inbox) and it is a symbolic link; scrawl follows no link inside an inbox; not read"
        case .tooLarge(let path, let bytes, let limit):
            return "\(path): \(bytes) bytes is larger than the \(limit)-byte limit for a scan"
        case .io(let path, let operation, let code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code)))"
        }
    }
}
