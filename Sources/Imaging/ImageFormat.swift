/// The scan formats scrawl reads. Anything else is refused before a decoder runs.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, gif
    /// PDF documents, rendered page by page by poppler-utils in a child process.
    case pdf
    /// TIFF (and BigTIFF), every directory a page, through libtiff.
    case tiff
    /// HEIF containers: HEIC (HEVC), AVIF (AV1) and other HEIF brands, through libheif.
    case heif
    /// WebP (lossy, lossless, alpha, animated: first frame), through libwebp.
    case webp

    /// True for formats whose files hold several pages (PDF, TIFF).
    public var isMultiPage: Bool { self == .pdf || self == .tiff }
}

/// Recognises a scan format from its first bytes (magic numbers only; file names are never trusted).
public enum ImageFormatSniffer {
    /// The number of leading bytes `sniff` looks at (HEIF and WebP name themselves at bytes 8–11).
    public static let headerLength = 12

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    private static let gif87a: [UInt8] = Array("GIF87a".utf8)
    private static let gif89a: [UInt8] = Array("GIF89a".utf8)
    private static let pdfMagic: [UInt8] = Array("%PDF-".utf8)
    /// Classic TIFF ("II*\0", "MM\0*") and BigTIFF ("II+\0", "MM\0+").
    private static let tiffMagics: [[UInt8]] = [[0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A],
                                                [0x49, 0x49, 0x2B, 0x00], [0x4D, 0x4D, 0x00, 0x2B]]
    /// `ftyp` major brands of HEIF still images: HEVC (heic, heix, heim, heis), image collections
    /// (mif1, mif2), HEVC sequences (hevc, hevx, msf1: the primary image is read) and AVIF (avif, avis).
    static let heifBrands: Set<String> = ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "mif2", "msf1", "avif", "avis"]

    /// `jpeg` for FF D8 FF, `png` for the PNG signature, `gif` for GIF87a/GIF89a, `pdf` for "%PDF-",
    /// `tiff` for II*/MM* (and BigTIFF), `heif` for an `ftyp` box with a HEIF/AVIF brand, `webp` for
    /// RIFF….WEBP; else nil.
    public static func sniff(_ header: some Collection<UInt8>) -> ImageFormat? {
        let head = Array(header.prefix(headerLength))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: pngSignature) { return .png }
        if head.starts(with: gif87a) || head.starts(with: gif89a) { return .gif }
        if head.starts(with: pdfMagic) { return .pdf }
        if tiffMagics.contains(where: head.starts(with:)) { return .tiff }
        if head.count >= 12 {
            if head[4..<8].elementsEqual("ftyp".utf8), heifBrands.contains(String(decoding: head[8..<12], as: UTF8.self)) {
                return .heif
            }
            if head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WEBP".utf8) { return .webp }
        }
        return nil
    }
}
