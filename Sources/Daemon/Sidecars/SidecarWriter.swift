import Foundation
import Glibc

/// Writes a sidecar atomically: a dot-named temp file in the same folder (the watcher ignores it),
/// fsync, rename over the final name, fsync the folder. The mode is the scan's, cut to 0640 at most.
/// Every step goes through the folder's descriptor (`SidecarFolder`), never through its path again.
public enum SidecarWriter {
    /// Tests only: called with the folder once it is opened, before the sidecar is written.
    nonisolated(unsafe) static var afterResolvingForTests: ((String) -> Void)?

    /// The scan's permission bits, at most group-readable, always owner read/write.
    public static func mode(forScanMode scanMode: mode_t) -> mode_t {
        (scanMode & 0o640) | 0o600
    }

    /// With `root`, the folder is opened (and made) below `root` without following a link; without,
    /// the folder itself is the root.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, within root: String? = nil) throws {
        let folder = try SidecarFolder(containing: path, within: root, makingMissing: true)
        try folder.write(bytes, name: (path as NSString).lastPathComponent, mode: mode, for: path)
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

    /// fsync of a folder through its descriptor, so that a new name in it survives a power cut; a
    /// failure is an error (EINVAL: the file system cannot sync folders, nothing to be done).
    static func syncFolder(_ fd: Int32, _ folder: String, for path: String) throws {
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw SidecarError(path: path, operation: "fsync the folder \(folder)", errno: errno)
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
