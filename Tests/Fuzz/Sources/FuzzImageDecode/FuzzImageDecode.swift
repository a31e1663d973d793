import FuzzSupport
import Imaging

/// JPEG / PNG / GIF decode with EXIF orientation, on arbitrary bytes. Errors are expected; a crash,
/// a sanitizer report or an image whose shape disagrees with its header is a finding.
/// The pixel limit is lowered so a valid-but-huge header is refused instead of exhausting memory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageDecode(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let limits = ImageLimits(maxPixels: 4_000_000, maxBytes: 1 << 20)
    guard let decoded = try? ImageDecoder.decode(data: fuzzBytes(start, count), limits: limits) else { return 0 }
    let image = decoded.image
    let swapsAxes = decoded.exifOrientation >= 5
    let expected = swapsAxes ? (decoded.originalHeight, decoded.originalWidth) : (decoded.originalWidth, decoded.originalHeight)
    guard (1...8).contains(decoded.exifOrientation), image.width == expected.0, image.height == expected.1,
          image.width * image.height <= limits.maxPixels, image.pixels.count == image.width * image.height * 3 else {
        fuzzFailure("decoded \(decoded.format) \(image.width)x\(image.height) with \(image.pixels.count) bytes; header "
                    + "\(decoded.originalWidth)x\(decoded.originalHeight), orientation \(decoded.exifOrientation)")
    }
    return 0
}
