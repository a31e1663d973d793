import CPNG

/// PNG → RGB8 through libpng's simplified `png_image` API, matching PIL's `convert("RGB")`:
/// gamma and colour chunks are ignored, alpha is dropped without compositing, 16-bit RGB(A) keeps the
/// high byte, 16-bit grey (PIL mode I;16) is clipped to 255.
///
/// Known gap: 16-bit images WITH an alpha channel are read through libpng's linear (premultiplied)
/// output and un-premultiplied here; pixels whose alpha is below 65535 can differ from PIL by one
/// level (and fully transparent pixels come out black where PIL keeps the stored colour).
enum PNGDecoder {
    private static let formatFlagAlpha: UInt32 = 1
    private static let formatFlagColor: UInt32 = 2
    private static let formatFlagLinear: UInt32 = 4

    struct Result {
        var image: RGBImage
        var orientation: Int
    }

    static func decode(_ data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) -> Result {
        let chunks = try PNGChunks(png: data)
        try limits.check(width: chunks.width, height: chunks.height, format: .png)
        let wide = chunks.bitDepth == 16
        let format = formatFlagColor | formatFlagAlpha | (wide ? formatFlagLinear : 0)
        let components = chunks.width * chunks.height * 4

        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        var pixels = [UInt8]()
        var failure: String?
        chunks.stripped.withUnsafeBufferPointer { source in
            guard png_image_begin_read_from_memory(&image, source.baseAddress, source.count) != 0 else {
                failure = message(of: image)
                png_image_free(&image)
                return
            }
            guard Int(image.width) == chunks.width, Int(image.height) == chunks.height else {
                failure = "libpng reports \(image.width)x\(image.height) but IHDR says \(chunks.width)x\(chunks.height)"
                png_image_free(&image)
                return
            }
            image.format = format
            if wide {
                var linear = [UInt16](repeating: 0, count: components)
                let ok = linear.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
                if ok != 0 { pixels = toRGB8(linear: linear, clipGrey: chunks.colorType == 0) }
                else { failure = message(of: image) }
            } else {
                var rgba = [UInt8](repeating: 0, count: components)
                let ok = rgba.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
                if ok != 0 { pixels = dropAlpha(rgba) }
                else { failure = message(of: image) }
            }
            if failure != nil { png_image_free(&image) }
        }
        if let failure { throw .damaged(format: .png, detail: failure) }
        return Result(image: RGBImage(width: chunks.width, height: chunks.height, pixels: pixels), orientation: chunks.orientation)
    }

    private static func message(of image: png_image) -> String {
        let text = withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "libpng could not read the image" : "libpng: " + text
    }

    private static func dropAlpha(_ rgba: [UInt8]) -> [UInt8] {
        let count = rgba.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for index in 0..<count {
            rgb[index * 3] = rgba[index * 4]
            rgb[index * 3 + 1] = rgba[index * 4 + 1]
            rgb[index * 3 + 2] = rgba[index * 4 + 2]
        }
        return rgb
    }

    /// libpng's linear output is the raw 16-bit sample (no gAMA chunk reaches it) premultiplied by
    /// alpha. Undo the premultiplication, then take the high byte (PIL "RGB;16B") or clip (PIL I;16).
    private static func toRGB8(linear: [UInt16], clipGrey: Bool) -> [UInt8] {
        let count = linear.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for index in 0..<count {
            let alpha = Int(linear[index * 4 + 3])
            for channel in 0..<3 {
                var value = Int(linear[index * 4 + channel])
                if alpha == 0 {
                    value = 0
                } else if alpha < 65535 {
                    value = min(65535, (value * 65535 + alpha / 2) / alpha)
                }
                rgb[index * 3 + channel] = clipGrey ? UInt8(min(value, 255)) : UInt8(value >> 8)
            }
        }
        return rgb
    }
}
