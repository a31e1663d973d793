import CHEIF

/// HEIF → RGB8 through libheif: the primary image (HEIC/HEVC via libde265, AVIF/AV1 via dav1d or
/// aom, whichever decoder libheif was built with), shown the way a phone's gallery shows it.
///
/// Orientation: libheif applies the container's `irot`/`imir` (and `clap`) transforms while
/// decoding. An EXIF orientation tag in the file is NOT applied on top: the HEIF/MIAF rule is that
/// the transform properties are what a reader shows, and pillow-heif (what Pillow users read HEIC
/// with) does the same — it decodes with the transforms and resets the EXIF orientation to 1 so
/// `ImageOps.exif_transpose` leaves the image alone. Applying both would rotate iPhone photos
/// (which carry irot and a matching EXIF orientation) twice. Alpha is dropped without compositing,
/// as for PNG. Sizes are checked against the limits before any pixel is decoded.
enum HEIFDecoder {
    struct Result {
        var image: RGBImage
        /// Width and height as stored (`ispe`), before irot/imir.
        var storedWidth: Int
        var storedHeight: Int
    }

    /// heif_init once per process (reference-counted in libheif; loads decoder plugins where it has them).
    private static let initialised: Bool = heif_init(nil).code == heif_error_Ok

    static func decode(_ data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) -> Result {
        _ = initialised
        guard let context = heif_context_alloc() else {
            throw .damaged(format: .heif, detail: "libheif could not allocate a context")
        }
        defer { heif_context_free(context) }
        heif_context_set_max_decoding_threads(context, 0)
        return try data.withUnsafeBufferPointer { (bytes) throws(ImageDecodeError) -> Result in
            try check(heif_context_read_from_memory_without_copy(context, bytes.baseAddress, bytes.count, nil))
            var handle: OpaquePointer?
            try check(heif_context_get_primary_image_handle(context, &handle))
            guard let handle else { throw .damaged(format: .heif, detail: "the file names no primary image") }
            defer { heif_image_handle_release(handle) }
            let storedWidth = Int(heif_image_handle_get_ispe_width(handle))
            let storedHeight = Int(heif_image_handle_get_ispe_height(handle))
            try limits.check(width: storedWidth, height: storedHeight, format: .heif)
            let width = Int(heif_image_handle_get_width(handle)), height = Int(heif_image_handle_get_height(handle))
            try limits.check(width: width, height: height, format: .heif)

            guard let options = heif_decoding_options_alloc() else {
                throw .damaged(format: .heif, detail: "libheif could not allocate decoding options")
            }
            defer { heif_decoding_options_free(options) }
            options.pointee.ignore_transformations = 0
            var decoded: OpaquePointer?
            try check(heif_decode_image(handle, &decoded, heif_colorspace_RGB, heif_chroma_interleaved_RGB, options))
            guard let decoded else { throw .damaged(format: .heif, detail: "libheif returned no image") }
            defer { heif_image_release(decoded) }
            let outWidth = Int(heif_image_get_width(decoded, heif_channel_interleaved))
            let outHeight = Int(heif_image_get_height(decoded, heif_channel_interleaved))
            try limits.check(width: outWidth, height: outHeight, format: .heif)
            let bits = heif_image_get_bits_per_pixel_range(decoded, heif_channel_interleaved)
            guard bits == 8 else {
                throw .unsupportedVariant(format: .heif, detail: "libheif delivered \(bits)-bit samples where 8-bit RGB was asked for")
            }
            var stride: Int32 = 0
            guard let plane = heif_image_get_plane_readonly(decoded, heif_channel_interleaved, &stride), Int(stride) >= outWidth * 3 else {
                throw .damaged(format: .heif, detail: "libheif returned no RGB plane")
            }
            var rgb = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
            rgb.withUnsafeMutableBufferPointer { out in
                for row in 0..<outHeight {
                    (out.baseAddress! + row * outWidth * 3).update(from: plane + row * Int(stride), count: outWidth * 3)
                }
            }
            return Result(image: RGBImage(width: outWidth, height: outHeight, pixels: rgb),
                          storedWidth: storedWidth, storedHeight: storedHeight)
        }
    }

    /// Turns a libheif error into a typed one (no decoder plugin for the codec → unsupportedVariant).
    private static func check(_ error: heif_error) throws(ImageDecodeError) {
        guard error.code != heif_error_Ok else { return }
        let message = error.message.map { String(cString: $0) } ?? "error \(error.code.rawValue)"
        switch error.code {
        case heif_error_Unsupported_feature, heif_error_Unsupported_filetype:
            throw .unsupportedVariant(format: .heif, detail: "libheif: \(message) (for HEIC install libde265, for AVIF libdav1d or libaom)")
        default:
            throw .damaged(format: .heif, detail: "libheif: \(message)")
        }
    }
}
