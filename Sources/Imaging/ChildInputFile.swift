import Foundation
import Glibc

/// A document's bytes where a child process can read them: an anonymous memory file (memfd_create;
/// no name in any folder, nothing to clean up after a crash), or where that is unavailable a private
/// temp file (mkstemp, mode 0600) unlinked the moment it is opened. Children get it as their stdin
/// (poppler-utils read "-", libheif's tools `/proc/self/fd/0`, which reopens it); the scan's own path
/// is never handed to them. One child at a time reads it (they share the file offset).
final class ChildInputFile: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()

    /// `format` names the document in errors.
    init(_ bytes: [UInt8], format: ImageFormat) throws(ImageDecodeError) {
        var fd = Self.memoryFile()
        if fd < 0 { fd = Self.unlinkedTempFile() }
        guard fd >= 0 else {
            throw .damaged(format: format, detail: "cannot make a private temp file for the renderer: \(String(cString: strerror(errno)))")
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw .damaged(format: format, detail: "cannot write the private temp file for the renderer: \(reason)")
            }
            written += count
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Runs `body` with the file's descriptor, one caller at a time.
    func withDescriptor<T>(_ body: (Int32) throws(ImageDecodeError) -> T) throws(ImageDecodeError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(fd)
    }

    private typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32

    private static func memoryFile() -> Int32 {
        guard let symbol = dlsym(nil, "memfd_create") else { return -1 }
        let create = unsafeBitCast(symbol, to: MemfdCreate.self)
        return create("scrawl-input", 1 /* MFD_CLOEXEC */)
    }

    private static func unlinkedTempFile() -> Int32 {
        let folder = ChildProcess.temporaryFolder
        var template = Array((folder + "/scrawl-input.XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return -1 }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        fchmod(fd, 0o600)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }
}
