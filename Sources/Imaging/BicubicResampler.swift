import Dispatch

/// Pillow 13's `Image.resize(size, BICUBIC)` on RGB8, bit for bit: 22-bit fixed-point weights, two
/// separable passes each rounding to uint8, and Pillow 13's pass order (vertical first iff the height
/// shrinks by more than twice the width's shrink, else horizontal first). Rows are split across
/// threads; the result does not depend on the split.
public enum BicubicResampler {
    public static func resize(_ img: RGBImage, width: Int, height: Int) -> RGBImage {
        resize(img, width: width, height: height, verticalFirst: pillow13VerticalFirst(from: (img.width, img.height), to: (width, height)))
    }

    /// Pillow 13 (PR #9549): vertical pass first iff the height shrinks by more than twice as many
    /// pixels as the width does. Pillow ≤ 12 always ran the horizontal pass first.
    static func pillow13VerticalFirst(from source: (width: Int, height: Int), to target: (width: Int, height: Int)) -> Bool {
        target.height < source.height && (source.height - target.height) > 2 * (source.width - target.width)
    }

    /// `resize` with the pass order given (when both passes run).
    static func resize(_ img: RGBImage, width: Int, height: Int, verticalFirst: Bool) -> RGBImage {
        let outW = max(0, width), outH = max(0, height)
        guard outW > 0, outH > 0, img.width > 0, img.height > 0 else {
            return RGBImage(width: outW, height: outH, pixels: [UInt8](repeating: 0, count: outW * outH * 3))
        }
        if outW == img.width && outH == img.height { return img }
        let needHorizontal = outW != img.width
        let needVertical = outH != img.height

        if !needVertical { return horizontal(img, rows: 0..<img.height, to: outW) }
        if !needHorizontal { return vertical(img, coefficients: ResampleCoefficients(inSize: img.height, outSize: outH), shift: 0) }
        let vertical = ResampleCoefficients(inSize: img.height, outSize: outH)
        if verticalFirst {
            let tall = Self.vertical(img, coefficients: vertical, shift: 0)
            return horizontal(tall, rows: 0..<tall.height, to: outW)
        }
        // Horizontal first, only over the source rows the vertical pass reads (Pillow's ybox).
        let firstRow = vertical.first[0]
        let lastRow = vertical.first[outH - 1] + vertical.count[outH - 1]
        let wide = horizontal(img, rows: firstRow..<lastRow, to: outW)
        return Self.vertical(wide, coefficients: vertical, shift: firstRow)
    }

    /// Resamples each row in `rows` to `outW` pixels; the result has `rows.count` rows.
    static func horizontal(_ img: RGBImage, rows: Range<Int>, to outW: Int) -> RGBImage {
        let c = ResampleCoefficients(inSize: img.width, outSize: outW)
        var out = [UInt8](repeating: 0, count: outW * rows.count * 3)
        let inStride = img.width * 3, outStride = outW * 3
        img.pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                c.weights.withUnsafeBufferPointer { weights in
                    let src = SendablePointer(source.baseAddress), dst = SendableMutablePointer(target.baseAddress)
                    let w = SendablePointer(weights.baseAddress)
                    parallelRows(rows.count) { range in
                        guard let s = src.pointer, let d = dst.pointer, let kk = w.pointer else { return }
                        // Two rows at a time share each weight load (six independent sums); an odd last
                        // row is computed twice into the same place.
                        for row in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 2) {
                            let next = min(row + 1, range.upperBound - 1)
                            let in0 = s + (rows.lowerBound + row) * inStride, in1 = s + (rows.lowerBound + next) * inStride
                            let out0 = d + row * outStride, out1 = d + next * outStride
                            for x in 0..<outW {
                                let k = kk + x * c.kernelSize
                                var p = in0 + c.first[x] * 3, q = in1 + c.first[x] * 3
                                var r0: Int32 = 1 << 21, g0: Int32 = 1 << 21, b0: Int32 = 1 << 21
                                var r1: Int32 = 1 << 21, g1: Int32 = 1 << 21, b1: Int32 = 1 << 21
                                for tap in 0..<c.count[x] {
                                    let weight = k[tap]
                                    r0 &+= Int32(p[0]) &* weight
                                    g0 &+= Int32(p[1]) &* weight
                                    b0 &+= Int32(p[2]) &* weight
                                    r1 &+= Int32(q[0]) &* weight
                                    g1 &+= Int32(q[1]) &* weight
                                    b1 &+= Int32(q[2]) &* weight
                                    p += 3
                                    q += 3
                                }
                                out0[x * 3] = clip8(r0)
                                out0[x * 3 + 1] = clip8(g0)
                                out0[x * 3 + 2] = clip8(b0)
                                out1[x * 3] = clip8(r1)
                                out1[x * 3 + 1] = clip8(g1)
                                out1[x * 3 + 2] = clip8(b1)
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outW, height: rows.count, pixels: out)
    }

    /// Resamples columns; output row y reads input rows `first[y] - shift ..< +count[y]`.
    static func vertical(_ img: RGBImage, coefficients c: ResampleCoefficients, shift: Int) -> RGBImage {
        let outH = c.first.count
        let stride = img.width * 3
        var out = [UInt8](repeating: 0, count: stride * outH)
        img.pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                c.weights.withUnsafeBufferPointer { weights in
                    let src = SendablePointer(source.baseAddress), dst = SendableMutablePointer(target.baseAddress)
                    let w = SendablePointer(weights.baseAddress)
                    parallelRows(outH) { range in
                        guard let s = src.pointer, let d = dst.pointer, let kk = w.pointer else { return }
                        var acc = [Int32](repeating: 0, count: stride)
                        acc.withUnsafeMutableBufferPointer { accumulator in
                            guard let a = accumulator.baseAddress else { return }
                            for y in range {
                                for i in 0..<stride { a[i] = 1 << 21 }
                                let k = kk + y * c.kernelSize
                                for tap in 0..<c.count[y] {
                                    let weight = k[tap]
                                    let inRow = s + (c.first[y] - shift + tap) * stride
                                    for i in 0..<stride { a[i] &+= Int32(inRow[i]) &* weight }
                                }
                                let outRow = d + y * stride
                                for i in 0..<stride { outRow[i] = clip8(a[i]) }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: img.width, height: outH, pixels: out)
    }

    @inline(__always)
    static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> 22
        return shifted < 0 ? 0 : (shifted > 255 ? 255 : UInt8(truncatingIfNeeded: shifted))
    }

    /// Runs `body` over `count` rows split into a few contiguous chunks on the available cores.
    static func parallelRows(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let chunks = min(count, max(1, count / 64), 8)
        guard chunks > 1 else { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body((chunk * count / chunks)..<((chunk + 1) * count / chunks))
        }
    }
}

/// Raw pointers handed to worker threads that write disjoint rows.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafePointer<T>?
    init(_ pointer: UnsafePointer<T>?) { self.pointer = pointer }
}

struct SendableMutablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>?
    init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}
