import Foundation

/// Decodes a scan (JPEG, PNG or GIF, recognised by magic bytes) to upright RGB8, with the same
/// pixels as `transformers.image_utils.load_image` on Pillow 13 (EXIF transpose, then RGB).
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
