/// A TIFF's directories as pages. The page count is read once at open (libtiff follows the IFD
/// chain and stops at loops); each page is decoded on its own from the bytes when asked for.
public struct TIFFPageSource: PageSource {
    public var format: ImageFormat { .tiff }
    public let pageCount: Int
    private let data: [UInt8]
    private let limits: ImageLimits

    public init(data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) {
        let client = try TIFFMemoryClient(data, limits: limits)
        let pages = TIFFDecoder.pageCount(client)
        if pages == 0 { throw client.damage("the file holds no image directory") }
        try limits.check(pages: pages, format: .tiff)
        self.pageCount = pages
        self.data = data
        self.limits = limits
    }

    public func page(_ index: Int, pixelBudget: Int?) throws(ImageDecodeError) -> DecodedImage {
        guard (0..<pageCount).contains(index) else {
            throw .damaged(format: .tiff, detail: "page \(index + 1) asked of a \(pageCount)-page TIFF")
        }
        let client = try TIFFMemoryClient(data, limits: limits)
        let result = try TIFFDecoder.decode(page: index, of: client, limits: limits)
        let applied = (1...8).contains(result.orientation) ? result.orientation : 1
        return DecodedImage(image: OrientationTransform.apply(applied, to: result.image), format: .tiff,
                            originalWidth: result.image.width, originalHeight: result.image.height, exifOrientation: applied)
    }

    public func textLayer(_ index: Int) throws(ImageDecodeError) -> String? { nil }
}
