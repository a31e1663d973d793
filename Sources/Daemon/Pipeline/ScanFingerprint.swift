import Glibc
import Inference

/// What the intake needs of a file, without holding its bytes: the format sniffed from the first
/// bytes (a file that is no image and does not claim to be one is not read further) and the SHA-256,
/// streamed in 1 MiB pieces with `progress` called after each (the monitor's heartbeat stays fresh
/// through a 100 MB scan).
public struct ScanFingerprint: Sendable {
    /// "jpeg", "png", "gif", or nil when the first bytes are none of them.
    public var format: String?
    public var sha256: String
    /// The status of the open file after the last byte was read (size = bytes hashed).
    public var status: FileStatus
    /// Whether the file kept its identity while it was read (else the hash may mix two versions).
    public var stable: Bool

    static let chunkBytes = 1 << 20

    /// nil when the file is not an image and `claimsImage` is false (only the header was read).
    public static func compute(_ path: String, inboxRoot: String, claimsImage: Bool,
                               progress: () -> Void = {}) throws -> ScanFingerprint? {
        let (fd, opened) = try ScanBytes.open(path, inboxRoot: inboxRoot)
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        var header = [UInt8](repeating: 0, count: 16)
        let headerCount = try ScanBytes.readFully(fd, into: &header, path: path)
        let format = sniffScanFormat(Array(header[..<headerCount]))
        if format == nil && !claimsImage { return nil }
        var hasher = SHA256()
        hasher.update(Array(header[..<headerCount]))
        var total = Int64(headerCount)
        while headerCount == header.count {
            let got = try ScanBytes.readFully(fd, into: &chunk, path: path)
            if got == 0 { break }
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<got])) }
            total += Int64(got)
            progress()
            if got < chunk.count { break }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ScanReadError.io(path: path, operation: "fstat", errno: errno) }
        var status = FileStatus(info)
        let stable = status.identity == opened.identity && status.size == total
        status.size = total
        return ScanFingerprint(format: format, sha256: hasher.finalizeHex(), status: status, stable: stable)
    }
}
