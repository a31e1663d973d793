import CPNG

public enum PNGEncodeError: Error, CustomStringConvertible, Equatable, Sendable {
    case failed(width: Int, height: Int, reason: String)

    public var description: String {
        switch self {
        case .failed(let width, let height, let reason): return "cannot encode a \(width)×\(height) image as PNG: \(reason)"
        }
    }
}

/// RGB8 → PNG bytes (lossless) through libpng's simplified `png_image` write API: what the remote
/// engine sends, so the server decodes exactly the pixels this side resized.
public enum PNGEncoder {
    public static func encode(_ image: RGBImage) throws(PNGEncodeError) -> [UInt8] {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = UInt32(PNG_FORMAT_RGB)
        let stride = Int32(image.width * 3)
        var size = 0
        // First call: the size needed.
        let sized = image.pixels.withUnsafeBytes { pixels in
            png_image_write_to_memory(&png, nil, &size, 0, pixels.baseAddress, stride, nil)
        }
        guard sized != 0, size > 0 else { throw .failed(width: image.width, height: image.height, reason: message(of: png)) }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { buffer in
            image.pixels.withUnsafeBytes { pixels in
                png_image_write_to_memory(&png, buffer.baseAddress, &size, 0, pixels.baseAddress, stride, nil)
            }
        }
        png_image_free(&png)
        guard written != 0 else { throw .failed(width: image.width, height: image.height, reason: message(of: png)) }
        return Array(out.prefix(size))
    }

    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
