import Foundation

/// Decodes a scan (recognised by magic bytes) to upright RGB8, with the same pixels as
/// `transformers.image_utils.load_image` on Pillow 13 (EXIF transpose, then RGB). JPEG, PNG, GIF,
/// WebP and HEIF are single images; for a PDF or TIFF this is page 1 (ScanOpener reads every page).
public enum ImageDecoder {
    public static func decode(data: [UInt8], limits: ImageLimits = .init()) throws(ImageDecodeError) -> DecodedImage {
        guard !data.isEmpty else { throw .emptyFile }
        guard data.count <= limits.maxBytes else { throw .fileTooLarge(bytes: data.count, limit: limits.maxBytes) }
        guard let format = ImageFormatSniffer.sniff(data) else {
            throw .unsupportedFormat(leadingBytes: Array(data.prefix(ImageFormatSniffer.headerLength)))
        }
        let stored: RGBImage
        let orientation: Int
        switch format {
        case .jpeg:
            let result = try JPEGDecoder.decode(data, limits: limits)
            (stored, orientation) = (result.image, result.orientation)
        case .png:
            let result = try PNGDecoder.decode(data, limits: limits)
            (stored, orientation) = (result.image, result.orientation)
        case .gif:
            (stored, orientation) = (try GIFDecoder.decode(data, limits: limits), 1)
        case .webp:
            (stored, orientation) = (try WebPDecoder.decode(data, limits: limits), 1)
        case .heif:
            // irot/imir are part of decoding (libheif applies them; its tools report no stored size
            // apart from them); the EXIF orientation is deliberately not applied (HEIFDecoder).
            let image = try HEIFDecoder.decode(data, limits: limits)
            return DecodedImage(image: image, format: format, originalWidth: image.width, originalHeight: image.height,
                                exifOrientation: 1)
        case .pdf, .tiff:
            return try ScanOpener.open(data: data, limits: limits).page(0, pixelBudget: nil)
        }
        let applied = (1...8).contains(orientation) ? orientation : 1
        return DecodedImage(image: OrientationTransform.apply(applied, to: stored), format: format,
                            originalWidth: stored.width, originalHeight: stored.height, exifOrientation: applied)
    }

    /// Reads the file (refusing it before reading if it is over `limits.maxBytes`) and decodes it.
    public static func decode(fileAt path: String, limits: ImageLimits = .init()) throws(ImageDecodeError) -> DecodedImage {
        try decode(data: try readFile(path, maxBytes: limits.maxBytes), limits: limits)
    }

    static func readFile(_ path: String, maxBytes: Int) throws(ImageDecodeError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a regular file" : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            guard size <= UInt64(maxBytes) else { throw ImageDecodeError.fileTooLarge(bytes: Int(clamping: size), limit: maxBytes) }
            try handle.seek(toOffset: 0)
            let data = try handle.read(upToCount: Int(size) + 1) ?? Data()
            return [UInt8](data)
        } catch let error as ImageDecodeError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: String(describing: error))
        }
    }
}
