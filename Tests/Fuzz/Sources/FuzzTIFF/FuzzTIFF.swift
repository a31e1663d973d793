import FuzzPageSupport
import FuzzSupport
import Imaging

/// TIFF pages on arbitrary bytes (every page, shape checked against the limits). The pixel limit is
/// lowered so a valid-but-huge header is refused instead of exhausting memory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTIFF(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    fuzzPages(fuzzBytes(start, count), format: .tiff, limits: ImageLimits(maxPixels: 4_000_000, maxBytes: 1 << 20, maxPages: 64),
              pixelBudget: nil)
    return 0
}
