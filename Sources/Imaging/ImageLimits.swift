/// Limits applied to every scan before any pixel is decoded (decompression-bomb guard), and to the
/// renderer programs a document format runs as child processes.
public struct ImageLimits: Sendable, Equatable {
    /// Largest width × height accepted, read from the file header before decoding.
    public var maxPixels: Int
    /// Largest file accepted, in bytes.
    public var maxBytes: Int
    /// Most pages a document (PDF, TIFF) may have; more is refused before any page is read.
    public var maxPages: Int
    /// Wall-clock seconds one renderer child (pdfinfo, pdftoppm, pdftotext) may run before it is killed.
    /// Its CPU time is limited to the same number of seconds (RLIMIT_CPU).
    public var renderSeconds: Int
    /// Address space a renderer child may map (RLIMIT_AS), in bytes.
    public var renderMemoryBytes: Int

    public init(maxPixels: Int = 100_000_000, maxBytes: Int = 256 << 20, maxPages: Int = 10_000,
                renderSeconds: Int = 60, renderMemoryBytes: Int = 2 << 30) {
        self.maxPixels = maxPixels
        self.maxBytes = maxBytes
        self.maxPages = maxPages
        self.renderSeconds = renderSeconds
        self.renderMemoryBytes = renderMemoryBytes
    }

    /// Throws `tooManyPixels` / `invalidDimensions` for a header claiming `width` × `height`.
    func check(width: Int, height: Int, format: ImageFormat) throws(ImageDecodeError) {
        guard width > 0, height > 0 else {
            throw .invalidDimensions(format: format, width: width, height: height)
        }
        let (product, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || product > maxPixels {
            throw .tooManyPixels(format: format, width: width, height: height, limit: maxPixels)
        }
    }

    /// Throws `tooManyPages` for a document claiming `pages` pages, `damaged` for none.
    func check(pages: Int, format: ImageFormat) throws(ImageDecodeError) {
        guard pages > 0 else { throw .damaged(format: format, detail: "the document has no pages") }
        if pages > maxPages { throw .tooManyPages(format: format, pages: pages, limit: maxPages) }
    }
}
