/// The scan formats scrawl reads. Anything else is refused before a decoder runs.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, gif
}

/// Recognises a scan format from its first bytes (magic numbers only; file names are never trusted).
public enum ImageFormatSniffer {
    /// The number of leading bytes `sniff` looks at.
    public static let headerLength = 8

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let gif87a: [UInt8] = Array("GIF87a".utf8)
    private static let gif89a: [UInt8] = Array("GIF89a".utf8)

    /// `jpeg` for FF D8 FF, `png` for the 8-byte PNG signature, `gif` for GIF87a/GIF89a; else nil.
    public static func sniff(_ header: some Collection<UInt8>) -> ImageFormat? {
        let head = Array(header.prefix(headerLength))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: pngSignature) { return .png }
        if head.starts(with: gif87a) || head.starts(with: gif89a) { return .gif }
        return nil
    }
}
