/// A scan decoded to RGB8, already turned upright by its EXIF orientation (like
/// `transformers.image_utils.load_image`: `ImageOps.exif_transpose` then `convert("RGB")`).
public struct DecodedImage: Sendable {
    /// Upright RGB pixels.
    public let image: RGBImage
    public let format: ImageFormat
    /// Width as stored in the file, before the orientation was applied.
    public let originalWidth: Int
    /// Height as stored in the file, before the orientation was applied.
    public let originalHeight: Int
    /// EXIF orientation 1…8 that was applied (1 when the file has none or an invalid one).
    public let exifOrientation: Int

    public init(image: RGBImage, format: ImageFormat, originalWidth: Int, originalHeight: Int, exifOrientation: Int) {
        self.image = image
        self.format = format
        self.originalWidth = originalWidth
        self.originalHeight = originalHeight
        self.exifOrientation = exifOrientation
    }
}
