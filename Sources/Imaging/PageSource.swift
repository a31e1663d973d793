/// A scan opened for reading page by page: a photo has one page, a PDF or a TIFF may have many.
/// Pages are decoded lazily, one at a time, so a long document never holds more than one page of
/// pixels, and the reader can stop (a page cap, a kill) between pages.
public protocol PageSource: Sendable {
    /// The format recognised from the bytes.
    var format: ImageFormat { get }
    /// How many pages the document has (at least 1).
    var pageCount: Int { get }
    /// Page `index` (0-based), upright RGB8. `pixelBudget` is the pixel count the model will be
    /// given: a renderer (PDF) renders straight to it; decoders of stored pixels ignore it.
    func page(_ index: Int, pixelBudget: Int?) throws(ImageDecodeError) -> DecodedImage
    /// The page's own text layer (a born-digital PDF), or nil when it has none.
    func textLayer(_ index: Int) throws(ImageDecodeError) -> String?
}

/// A single image (JPEG, PNG, GIF, WebP, HEIF): one page, decoded when asked for.
public struct SingleImagePageSource: PageSource {
    public let format: ImageFormat
    private let data: [UInt8]
    private let limits: ImageLimits

    public init(data: [UInt8], format: ImageFormat, limits: ImageLimits) {
        self.data = data
        self.format = format
        self.limits = limits
    }

    public var pageCount: Int { 1 }

    public func page(_ index: Int, pixelBudget: Int?) throws(ImageDecodeError) -> DecodedImage {
        guard index == 0 else { throw .damaged(format: format, detail: "page \(index + 1) asked of a one-page image") }
        return try ImageDecoder.decode(data: data, limits: limits)
    }

    public func textLayer(_ index: Int) throws(ImageDecodeError) -> String? { nil }
}

/// Opens a scan's bytes as pages, by the format its first bytes name.
public enum ScanOpener {
    /// Reads the file (refusing it before reading if it is over `limits.maxBytes`) and opens it.
    public static func open(fileAt path: String, limits: ImageLimits = .init()) throws(ImageDecodeError) -> PageSource {
        try open(data: try ImageDecoder.readFile(path, maxBytes: limits.maxBytes), limits: limits)
    }

    public static func open(data: [UInt8], limits: ImageLimits = .init()) throws(ImageDecodeError) -> PageSource {
        guard !data.isEmpty else { throw .emptyFile }
        guard data.count <= limits.maxBytes else { throw .fileTooLarge(bytes: data.count, limit: limits.maxBytes) }
        guard let format = ImageFormatSniffer.sniff(data) else {
            throw .unsupportedFormat(leadingBytes: Array(data.prefix(ImageFormatSniffer.headerLength)))
        }
        switch format {
        case .jpeg, .png, .gif, .webp, .heif:
            return SingleImagePageSource(data: data, format: format, limits: limits)
        case .tiff:
            return try TIFFPageSource(data: data, limits: limits)
        case .pdf:
            return try PDFPageSource(data: data, limits: limits)
        }
    }
}
