import Imaging

/// Turns a scan's bytes into RGB pixels (EXIF orientation applied).
public protocol ScanDecoding: Sendable {
    func decode(_ bytes: [UInt8], path: String) throws -> RGBImage
}

/// The format name recorded for a file whose bytes are not JPEG, PNG or GIF but whose name says they are.
public let unknownScanFormat = "unknown"

/// Format from the bytes' magic number (never from the extension): "jpeg", "png", "gif" or nil.
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
        return "not a JPEG, PNG or GIF image (its first bytes are \(hex.joined(separator: " "))); the name says it is one"
    }
}

/// The real decoder: Imaging's TurboJPEG / libpng / giflib decoders with their size limits.
public struct ImagingScanDecoder: ScanDecoding {
    public var limits: ImageLimits

    public init(limits: ImageLimits = ImageLimits()) {
        self.limits = limits
    }

    public func decode(_ bytes: [UInt8], path: String) throws -> RGBImage {
        try ImageDecoder.decode(data: bytes, limits: limits).image
    }
}
