import Imaging

/// Opens a scan's bytes as pages (a photo has one; a PDF or a TIFF may have many), each decoded to
/// upright RGB pixels when it is read.
public protocol ScanDecoding: Sendable {
    func open(_ bytes: [UInt8], path: String) throws -> PageSource
}

/// The format name recorded for a file whose bytes are no format scrawl reads but whose name says they are.
public let unknownScanFormat = "unknown"

/// Format from the bytes' magic number (never from the extension): an `ImageFormat` raw value or nil.
public func sniffScanFormat(_ bytes: [UInt8]) -> String? {
    ImageFormatSniffer.sniff(bytes.prefix(ImageFormatSniffer.headerLength))?.rawValue
}

public struct NotAnImageError: Error, CustomStringConvertible {
    public var path: String
    public var header: [UInt8]

    public var description: String {
        guard !header.isEmpty else {
            return "the file is empty (0 bytes) although its name says it is an image; it is read again once it has bytes"
        }
        let hex = header.prefix(8).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return "not a JPEG, PNG, GIF, PDF, TIFF, HEIF or WebP file (its first bytes are \(hex.joined(separator: " "))); the name says it is one"
    }
}

/// The real decoder: Imaging's TurboJPEG / libpng / giflib decoders with their size limits.
public struct ImagingScanDecoder: ScanDecoding {
    public var limits: ImageLimits

    public init(limits: ImageLimits = ImageLimits()) {
        self.limits = limits
    }

    public func open(_ bytes: [UInt8], path: String) throws -> PageSource {
        try ScanOpener.open(data: bytes, limits: limits)
    }
}
