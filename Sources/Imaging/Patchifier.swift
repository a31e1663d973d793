/// Cuts a normalised image into Qwen2-VL's `pixel_values` rows: 2×2 (mergeSize²) windows of
/// patches, windows row-major, patches inside a window row-major; each row holds channel-major
/// (c, t, y, x) values with the single frame repeated `temporalPatchSize` times.
public enum Patchifier {
    /// Height and width should be multiples of `patchSize * mergeSize` (SmartResize sizes are);
    /// any remainder at the right/bottom edge is not covered by a window and is left out.
    public static func patches(_ img: NormalizedImage, patchSize: Int, temporalPatchSize: Int, mergeSize: Int)
        -> (values: [Float], rows: Int, cols: Int, gridH: Int, gridW: Int)
    {
        let p = max(1, patchSize), t = max(1, temporalPatchSize), m = max(1, mergeSize)
        let gridH = img.height / (p * m) * m, gridW = img.width / (p * m) * m
        let cols = 3 * t * p * p
        let rows = gridH * gridW
        let plane = img.width * img.height
        // Every element is written below, so skip zero-filling what can be hundreds of MB.
        let values = [Float](unsafeUninitializedCapacity: rows * cols) { buffer, initialized in
            img.planes.withUnsafeBufferPointer { planes in
                var e = 0
                for bh in 0..<(gridH / m) {
                    for bw in 0..<(gridW / m) {
                        for mh in 0..<m {
                            for mw in 0..<m {
                                let top = (bh * m + mh) * p, left = (bw * m + mw) * p
                                for c in 0..<3 {
                                    for _ in 0..<t {
                                        for y in 0..<p {
                                            let start = c * plane + (top + y) * img.width + left
                                            for x in 0..<p { buffer[e + x] = planes[start + x] }
                                            e += p
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                initialized = e
            }
        }
        return (values, rows, cols, gridH, gridW)
    }
}
