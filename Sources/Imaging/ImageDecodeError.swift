/// Why a scan could not be decoded. Every message says what was wrong and what to do about it.
public enum ImageDecodeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file has no bytes at all.
    case emptyFile
    /// The magic bytes are not JPEG, PNG or GIF.
    case unsupportedFormat(leadingBytes: [UInt8])
    /// The file is larger than `ImageLimits.maxBytes`.
    case fileTooLarge(bytes: Int, limit: Int)
    /// The header claims more pixels than `ImageLimits.maxPixels` (checked before decoding).
    case tooManyPixels(format: ImageFormat, width: Int, height: Int, limit: Int)
    /// The header claims a zero or negative size.
    case invalidDimensions(format: ImageFormat, width: Int, height: Int)
    /// The decoder library reported an error or a warning (truncated, corrupt, bad marker…).
    case damaged(format: ImageFormat, detail: String)
    /// A valid file of a kind this decoder does not handle (e.g. a 12-bit JPEG).
    case unsupportedVariant(format: ImageFormat, detail: String)
    /// The file could not be read from disk.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .emptyFile:
            return "the file is empty (0 bytes); it may still be being written — wait for the copy to finish"
        case .unsupportedFormat(let lead):
            let hex = lead.prefix(8).map { byte in
                let digits = String(byte, radix: 16, uppercase: true)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            return "not a JPEG, PNG or GIF image (file starts with \(hex.isEmpty ? "nothing" : hex)); convert it to one of those formats"
        case .fileTooLarge(let bytes, let limit):
            return "file is \(bytes) bytes, over the limit of \(limit) bytes; shrink the scan or raise the byte limit"
        case .tooManyPixels(let format, let width, let height, let limit):
            return "\(format.rawValue) header claims \(width)x\(height) pixels, over the limit of \(limit) pixels; refused before decoding (possible decompression bomb) — rescan at a lower resolution or raise the pixel limit"
        case .invalidDimensions(let format, let width, let height):
            return "\(format.rawValue) header claims an impossible size \(width)x\(height); the file is damaged"
        case .damaged(let format, let detail):
            return "damaged or truncated \(format.rawValue) file: \(detail); re-export or re-copy the scan"
        case .unsupportedVariant(let format, let detail):
            return "unsupported \(format.rawValue) variant: \(detail); re-save the scan as an ordinary 8-bit image"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        }
    }
}
