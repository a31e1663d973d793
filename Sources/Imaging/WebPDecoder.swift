import CWebP

/// WebP → RGB8 through libwebp's animation decoder, as Pillow 13 reads every WebP (still or
/// animated): the first frame composed on the canvas in unpremultiplied RGBA (MODE_RGBA), then
/// `convert("RGB")` drops alpha without compositing (as PNGDecoder does). A frame smaller than the
/// canvas leaves the rest transparent black. Later frames are never decoded. The canvas size
/// (VP8X, or the bitstream's own size) is checked against the limits before anything is allocated.
enum WebPDecoder {
    static func decode(_ data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) -> RGBImage {
        var features = WebPBitstreamFeatures()
        let status = data.withUnsafeBufferPointer { WebPGetFeatures($0.baseAddress, $0.count, &features) }
        guard status == VP8_STATUS_OK else {
            throw .damaged(format: .webp, detail: "libwebp cannot read the header (\(statusText(status)))")
        }
        try limits.check(width: Int(features.width), height: Int(features.height), format: .webp)

        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&options) != 0 else {
            throw .unsupportedVariant(format: .webp, detail: "this libwebp's animation decoder has an incompatible ABI")
        }
        options.color_mode = MODE_RGBA
        options.use_threads = 0
        return try data.withUnsafeBufferPointer { (bytes) throws(ImageDecodeError) -> RGBImage in
            var webp = WebPData(bytes: bytes.baseAddress, size: bytes.count)
            guard let decoder = WebPAnimDecoderNew(&webp, &options) else {
                throw .damaged(format: .webp, detail: "libwebp cannot parse the container (bad chunk layout or truncated file)")
            }
            defer { WebPAnimDecoderDelete(decoder) }
            var info = WebPAnimInfo()
            guard WebPAnimDecoderGetInfo(decoder, &info) != 0 else {
                throw .damaged(format: .webp, detail: "libwebp cannot read the canvas information")
            }
            let width = Int(info.canvas_width), height = Int(info.canvas_height)
            try limits.check(width: width, height: height, format: .webp)
            guard info.frame_count > 0 else { throw .damaged(format: .webp, detail: "the file holds no frame") }
            var canvas: UnsafeMutablePointer<UInt8>?
            var timestamp: Int32 = 0
            guard WebPAnimDecoderGetNext(decoder, &canvas, &timestamp) != 0, let canvas else {
                throw .damaged(format: .webp, detail: "libwebp could not decode the first frame (corrupt or truncated bitstream)")
            }
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            rgb.withUnsafeMutableBufferPointer { out in
                for index in 0..<(width * height) {
                    out[index * 3] = canvas[index * 4]
                    out[index * 3 + 1] = canvas[index * 4 + 1]
                    out[index * 3 + 2] = canvas[index * 4 + 2]
                }
            }
            return RGBImage(width: width, height: height, pixels: rgb)
        }
    }

    private static func statusText(_ status: VP8StatusCode) -> String {
        switch status {
        case VP8_STATUS_OUT_OF_MEMORY: return "out of memory"
        case VP8_STATUS_INVALID_PARAM: return "invalid parameter"
        case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error"
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature"
        case VP8_STATUS_SUSPENDED: return "suspended"
        case VP8_STATUS_USER_ABORT: return "aborted"
        case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data: truncated"
        default: return "status \(status.rawValue)"
        }
    }
}
