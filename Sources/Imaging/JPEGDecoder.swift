import CTurboJPEG

/// JPEG → RGB8 through the TurboJPEG API (libjpeg-turbo's default ISLOW IDCT and fancy
/// upsampling, which give the same pixels as PIL). Any libjpeg warning counts as damage.
enum JPEGDecoder {
    struct Result {
        var image: RGBImage
        var orientation: Int
    }

    /// `limitScans` false only in tests: they show that a file refused for its scan count decodes without the limit.
    static func decode(_ data: [UInt8], limits: ImageLimits, limitScans: Bool = true) throws(ImageDecodeError) -> Result {
        let metadata = JPEGMetadata(jpeg: data)
        if let frame = metadata.frameSize {
            try limits.check(width: frame.width, height: frame.height, format: .jpeg)
        }
        guard let handle = tjInitDecompress() else {
            throw .damaged(format: .jpeg, detail: "libturbojpeg could not create a decompressor")
        }
        defer { tjDestroy(handle) }

        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let headerStatus = data.withUnsafeBufferPointer { buffer in
            tjDecompressHeader3(handle, buffer.baseAddress, UInt(buffer.count), &width, &height, &subsampling, &colorspace)
        }
        guard headerStatus == 0 else {
            throw .damaged(format: .jpeg, detail: "header: " + errorText(handle))
        }
        try limits.check(width: Int(width), height: Int(height), format: .jpeg)

        let isCMYK = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let channels = isCMYK ? 4 : 3
        let pixelFormat = isCMYK ? Int32(TJPF_CMYK.rawValue) : Int32(TJPF_RGB.rawValue)
        var decoded = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let flags = TJFLAG_STOPONWARNING | (limitScans ? TJFLAG_LIMITSCANS : 0)
        let status = data.withUnsafeBufferPointer { source in
            decoded.withUnsafeMutableBufferPointer { target in
                tjDecompress2(handle, source.baseAddress, UInt(source.count), target.baseAddress,
                              // A progressive file past 500 scans is refused (libjpeg-turbo's scan limit: a
                              // few kB can otherwise cost minutes of decoding).
                              width, 0, height, pixelFormat, flags)
            }
        }
        guard status == 0 else {
            throw .damaged(format: .jpeg, detail: errorText(handle))
        }
        let rgb = isCMYK ? CMYKConversion.adobeInvertedToRGB(decoded) : decoded
        let image = RGBImage(width: Int(width), height: Int(height), pixels: rgb)
        return Result(image: image, orientation: metadata.orientation)
    }

    private static func errorText(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown libjpeg error" }
        return String(cString: text)
    }
}
