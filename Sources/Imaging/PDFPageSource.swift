/// A PDF's pages, each rendered by poppler's `pdftoppm` (a separate GPL program, run as a limited
/// child process: ChildProcess) straight to the pixel budget the model gets: the page's crop box
/// (rotation applied) is rendered at the one resolution that makes width × height as close to the
/// budget as whole pixels allow without passing it — one render, no second resize. Without a
/// budget a page is rendered at `defaultDPI`. Either way `ImageLimits.maxPixels` caps it. Page count from `pdfinfo` at open (more than `ImageLimits.maxPages` is refused);
/// each page's size from `pdfinfo -f n -l n` when it is asked for; the text layer from `pdftotext`.
public struct PDFPageSource: PageSource {
    public static let defaultDPI = 150.0

    public var format: ImageFormat { .pdf }
    public let pageCount: Int
    private let file: ChildInputFile
    private let limits: ImageLimits

    public init(data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) {
        let file = try ChildInputFile(data, format: .pdf)
        let info = try PopplerTools.documentInfo(file, limits: limits)
        try limits.check(pages: info.pages, format: .pdf)
        self.pageCount = info.pages
        self.file = file
        self.limits = limits
    }

    public func page(_ index: Int, pixelBudget: Int?) throws(ImageDecodeError) -> DecodedImage {
        try checkIndex(index)
        let info = try PopplerTools.pageInfo(index + 1, file, limits: limits)
        let size = try Self.renderSize(width: info.width, height: info.height, pixelBudget: pixelBudget, limits: limits)
        var image = try PopplerTools.render(index + 1, longSide: size.longSide, file, limits: limits)
        if image.width * image.height > size.budget && size.longSide > 1 {
            // poppler rounded the short side up where this arithmetic did not: one pixel less on the long side.
            image = try PopplerTools.render(index + 1, longSide: size.longSide - 1, file, limits: limits)
        }
        guard image.width * image.height <= size.budget else {
            throw .damaged(format: .pdf, detail: "pdftoppm rendered page \(index + 1) at \(image.width)x\(image.height), over its \(size.budget)-pixel budget")
        }
        return DecodedImage(image: image, format: .pdf, originalWidth: image.width, originalHeight: image.height, exifOrientation: 1)
    }

    public func textLayer(_ index: Int) throws(ImageDecodeError) -> String? {
        try checkIndex(index)
        return try PopplerTools.text(index + 1, file, limits: limits)
    }

    struct RenderSize: Equatable {
        var width: Int
        var height: Int
        /// The long side, what pdftoppm is given (`-scale-to`).
        var longSide: Int
        /// The pixel count the render must not pass.
        var budget: Int
    }

    /// The render of a page of `width` × `height` points: one resolution r for both axes, the long
    /// side L = ⌊long · r⌋ and the short side ⌈short · L / long⌉ (how pdftoppm rounds), L as large as
    /// keeps width × height within the budget (the pixel budget, or `defaultDPI` without one, and
    /// never more than `maxPixels`).
    static func renderSize(width: Double, height: Double, pixelBudget: Int?, limits: ImageLimits) throws(ImageDecodeError) -> RenderSize {
        let long = max(width, height), short = min(width, height)
        let atDefault = (long * defaultDPI / 72).rounded(.up) * (short * defaultDPI / 72).rounded(.up)
        let wanted = pixelBudget.map(Double.init) ?? atDefault
        let budget = Int(min(wanted, Double(limits.maxPixels)).rounded(.down))
        guard budget >= 1 else { throw .invalidDimensions(format: .pdf, width: Int(width), height: Int(height)) }
        func shortSide(_ longSide: Int) -> Int {
            let resolution = 72.0 * Double(longSide) / long
            return max(1, Int(min((short * (resolution / 72.0)).rounded(.up), 1e12)))
        }
        var longSide = max(1, Int(min(long * (Double(budget) / (width * height)).squareRoot(), 1e12).rounded(.down)))
        if shortSide(longSide) == 1 { longSide = min(longSide, budget) }  // a sliver: 1 pixel across, the rest along
        while longSide > 1 && longSide * shortSide(longSide) > budget { longSide -= 1 }
        let other = shortSide(longSide)
        let (w, h) = width >= height ? (longSide, other) : (other, longSide)
        try limits.check(width: w, height: h, format: .pdf)
        return RenderSize(width: w, height: h, longSide: longSide, budget: budget)
    }

    private func checkIndex(_ index: Int) throws(ImageDecodeError) {
        guard (0..<pageCount).contains(index) else {
            throw .damaged(format: .pdf, detail: "page \(index + 1) asked of a \(pageCount)-page PDF")
        }
    }
}
