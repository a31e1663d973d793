/// Why a scan could not be decoded. Every message says what was wrong and what to do about it.
public enum ImageDecodeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file has no bytes at all.
    case emptyFile
    /// The magic bytes are not JPEG, PNG, GIF, PDF, TIFF, HEIF/AVIF or WebP.
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
    /// An encrypted document that needs a password to open (a PDF with a user password).
    case passwordProtected(format: ImageFormat)
    /// The document has more pages than `ImageLimits.maxPages` (checked before any page is read).
    case tooManyPages(format: ImageFormat, pages: Int, limit: Int)
    /// A renderer running as a child process (poppler-utils) went past its time or memory limit
    /// and was stopped: a hostile or pathologically complex page.
    case limitExceeded(format: ImageFormat, detail: String)
    /// A program the format needs is not installed (or not executable by the service).
    case missingProgram(program: String, package: String)

    public var description: String {
        switch self {
        case .emptyFile:
            return "the file is empty (0 bytes); it may still be being written — wait for the copy to finish"
        case .unsupportedFormat(let lead):
            let hex = lead.prefix(8).map { byte in
                let digits = String(byte, radix: 16, uppercase: true)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            return "not a JPEG, PNG, GIF, WebP, HEIC/HEIF/AVIF, TIFF or PDF file (file starts with \(hex.isEmpty ? "nothing" : hex)); convert it to one of those formats"
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
        case .passwordProtected(let format):
            return "the \(format.rawValue) is password-protected (encrypted with a user password); save an unprotected copy to have it read"
        case .tooManyPages(let format, let pages, let limit):
            return "\(format.rawValue) has \(pages) pages, over the limit of \(limit) pages; refused before any page is read — split the document or raise the page limit"
        case .limitExceeded(let format, let detail):
            return "\(format.rawValue) page could not be rendered within its limits: \(detail); the renderer was stopped — simplify or re-export the document, or raise the render limits"
        case .missingProgram(let program, let package):
            return "\(program) is needed to read this file but was not found or cannot be run; install the Debian package \(package) (and check the service may execute it)"
        }
    }
}
