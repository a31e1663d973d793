/// A PDF's pages, each rendered by poppler's `pdftoppm` (a separate GPL program, run as a limited
/// child process: ChildProcess) straight to the pixel budget the model gets: the page's crop box
/// (rotation applied) is scaled so width × height is as close to the budget as whole pixels allow
/// without passing it — one render, no second resize. Without a budget a page is rendered at
/// `defaultDPI`. Page count from `pdfinfo` at open (more than `ImageLimits.maxPages` is refused);
/// each page's size from `pdfinfo -f n -l n` when it is asked for; the text layer from `pdftotext`.
public struct PDFPageSource: PageSource {
    public static let defaultDPI = 150.0

    public var format: ImageFormat { .pdf }
    public let pageCount: Int
    private let file: PDFDocumentFile
    private let limits: ImageLimits

    public init(data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) {
        let file = try PDFDocumentFile(data)
        let info = try PopplerTools.documentInfo(file, limits: limits)
        try limits.check(pages: info.pages, format: .pdf)
        self.pageCount = info.pages
        self.file = file
        self.limits = limits
    }

    public func page(_ index: Int, pixelBudget: Int?) throws(ImageDecodeError) -> DecodedImage {
        try checkIndex(index)
        let info = try PopplerTools.pageInfo(index + 1, file, limits: limits)
        let (width, height) = try Self.renderSize(width: info.width, height: info.height, pixelBudget: pixelBudget, limits: limits)
        let image = try PopplerTools.render(index + 1, width: width, height: height, file, limits: limits)
        return DecodedImage(image: image, format: .pdf, originalWidth: image.width, originalHeight: image.height, exifOrientation: 1)
    }

    public func textLayer(_ index: Int) throws(ImageDecodeError) -> String? {
        try checkIndex(index)
        return try PopplerTools.text(index + 1, file, limits: limits)
    }

    /// Whole-pixel size for a page of `width` × `height` points: the largest scale s with
    /// ⌊w·s⌋·⌊h·s⌋ ≤ budget (budget capped by `maxPixels`), each side at least 1 pixel.
    static func renderSize(width: Double, height: Double, pixelBudget: Int?, limits: ImageLimits) throws(ImageDecodeError) -> (Int, Int) {
        let wanted = pixelBudget.map(Double.init) ?? width * height * (defaultDPI / 72) * (defaultDPI / 72)
        let budget = Int(min(wanted, Double(limits.maxPixels)).rounded(.down))
        guard budget >= 1 else { throw .invalidDimensions(format: .pdf, width: Int(width), height: Int(height)) }
        let scale = (Double(budget) / (width * height)).squareRoot()
        var w = max(1, Int(min(width * scale, 1e9).rounded(.down)))
        var h = max(1, Int(min(height * scale, 1e9).rounded(.down)))
        // A sliver (one side under a pixel at this scale) keeps 1 pixel there; the other side gets the rest.
        if w * h > budget { if h == 1 { w = budget } else if w == 1 { h = budget } }
        // Rounding: step down until the product fits (one or two steps at most).
        while w * h > budget { if w >= h { w -= 1 } else { h -= 1 } }
        try limits.check(width: w, height: h, format: .pdf)
        return (w, h)
    }

    private func checkIndex(_ index: Int) throws(ImageDecodeError) {
        guard (0..<pageCount).contains(index) else {
            throw .damaged(format: .pdf, detail: "page \(index + 1) asked of a \(pageCount)-page PDF")
        }
    }
}
