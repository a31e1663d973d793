/// Limits applied to every scan before any pixel is decoded (decompression-bomb guard).
public struct ImageLimits: Sendable, Equatable {
    /// Largest width × height accepted, read from the file header before decoding.
    public var maxPixels: Int
    /// Largest file accepted, in bytes.
    public var maxBytes: Int

    public init(maxPixels: Int = 100_000_000, maxBytes: Int = 256 << 20) {
        self.maxPixels = maxPixels
        self.maxBytes = maxBytes
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
}
