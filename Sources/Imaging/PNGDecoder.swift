import CPNG

/// PNG → RGB8 through libpng's simplified `png_image` API, matching PIL's `convert("RGB")`:
/// gamma, colour-profile and transparency chunks are ignored (removed before libpng sees them),
/// alpha is dropped without compositing, 16-bit RGB(A) and grey+alpha keep the high byte
/// (PIL "RGB;16B", "RGBA;16B", "LA;16B"), 16-bit grey (PIL mode I;16) is clipped to 255.
///
/// 16-bit samples come from libpng's linear output, which is exact where alpha is opaque but
/// premultiplied by alpha elsewhere. For 16-bit images with an alpha channel a second, 8-bit read
/// (unassociated, round(v/257)) bounds each translucent sample too; the two bounds together
/// almost always fix the high byte, and it is never off by more than one (measured in the tests).
enum PNGDecoder {
    private static let formatFlagAlpha: UInt32 = 1
    private static let formatFlagColor: UInt32 = 2
    private static let formatFlagLinear: UInt32 = 4
    /// gAMA 1/2.2 (45455): tells libpng the 16-bit samples are sRGB, so its 8-bit read only rescales.
    private static let srgbGamma: [UInt8] = [0x00, 0x00, 0xB1, 0x8F]

    struct Result {
        var image: RGBImage
        var orientation: Int
    }

    static func decode(_ data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) -> Result {
        let chunks = try PNGChunks(png: data)
        try limits.check(width: chunks.width, height: chunks.height, format: .png)
        let rgb: [UInt8]
        if chunks.bitDepth == 16 {
            let linear: [UInt16] = try read(chunks.stripped, format: formatFlagColor | formatFlagAlpha | formatFlagLinear, chunks: chunks)
            let hasAlpha = chunks.colorType == 4 || chunks.colorType == 6
            let scaled: [UInt8]? = hasAlpha
                ? try read(chunks.stripped(inserting: "gAMA", srgbGamma), format: formatFlagColor | formatFlagAlpha, chunks: chunks)
                : nil
            rgb = toRGB8(linear: linear, scaled: scaled, clipGrey: chunks.colorType == 0)
        } else {
            let rgba: [UInt8] = try read(chunks.stripped, format: formatFlagColor | formatFlagAlpha, chunks: chunks)
            rgb = dropAlpha(rgba)
        }
        return Result(image: RGBImage(width: chunks.width, height: chunks.height, pixels: rgb), orientation: chunks.orientation)
    }

    /// One simplified-API read of `bytes` into 4-component pixels of type `T` (UInt8 or UInt16).
    private static func read<T: FixedWidthInteger>(_ bytes: [UInt8], format: UInt32, chunks: PNGChunks) throws(ImageDecodeError) -> [T] {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        var pixels = [T](repeating: 0, count: chunks.width * chunks.height * 4)
        var failure: String?
        bytes.withUnsafeBufferPointer { source in
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
            let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            if ok == 0 {
                failure = message(of: image)
                png_image_free(&image)
            }
        }
        if let failure { throw .damaged(format: .png, detail: failure) }
        return pixels
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

    /// `linear`: raw 16-bit samples premultiplied by alpha (exact when alpha is 65535).
    /// `scaled`: the 8-bit unassociated read, round(v/257), for images with alpha.
    private static func toRGB8(linear: [UInt16], scaled: [UInt8]?, clipGrey: Bool) -> [UInt8] {
        let count = linear.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for index in 0..<count {
            let alpha = Int(linear[index * 4 + 3])
            for channel in 0..<3 {
                let premultiplied = Int(linear[index * 4 + channel])
                var value = premultiplied
                if alpha < 65535 {
                    value = translucentSample(premultiplied: premultiplied, alpha: alpha, scaled: scaled.map { Int($0[index * 4 + channel]) })
                }
                rgb[index * 3 + channel] = clipGrey ? UInt8(min(value, 255)) : UInt8(value >> 8)
            }
        }
        return rgb
    }

    /// The 16-bit sample v of a pixel with alpha < 65535: the middle of the range allowed both by
    /// the 8-bit read (`scaled` = round(v/257)) and by the premultiplied linear sample.
    private static func translucentSample(premultiplied: Int, alpha: Int, scaled: Int?) -> Int {
        var low = 0, high = 65535
        if let scaled {
            low = max(low, 257 * scaled - 129)
            high = min(high, 257 * scaled + 129)
        }
        if alpha > 0 {
            low = max(low, (premultiplied * 65535 - 32768) / alpha - 1)
            high = min(high, (premultiplied * 65535 + 32768) / alpha + 1)
        }
        if high >= low { return (low + high) / 2 }
        // The bounds never disagree for files libpng decodes as described; prefer the 8-bit read.
        return scaled.map { 257 * $0 } ?? min(65535, (premultiplied * 65535 + alpha / 2) / max(alpha, 1))
    }
}
