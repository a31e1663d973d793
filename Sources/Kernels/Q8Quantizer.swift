import CKernels

/// Quantizes stored weights to Q8_0 (llama.cpp's layout of values: blocks of 32 int8 with one f16 scale,
/// d = max|x|/127, q = x/d rounded to nearest even; a block holding NaN/Inf gets a NaN scale). Rows go to
/// caller-provided memory: `rowStride` bytes of values a row, then (elsewhere) `scaleBlocks` f16 scales a row.
public enum Q8Quantizer {
    /// Bytes of values and of scales a rows × cols matrix takes.
    public static func byteCounts(rows: Int, cols: Int) -> (values: Int, scales: Int) {
        let blocks = WeightMatrix.q8Blocks(cols: cols)
        return (rows * blocks * Int(CK_Q8_BLOCK), rows * blocks * 2)
    }

    /// Writes `w` (f32, bf16 or f16) as Q8_0 values and scales, rows spread over the kernel threads.
    public static func quantize(_ w: WeightMatrix, values: UnsafeMutableRawPointer, scales: UnsafeMutableRawPointer) {
        precondition(w.element != .q8_0, "already Q8_0")
        let cols = w.cols, blocks = WeightMatrix.q8Blocks(cols: cols), stride = blocks * Int(CK_Q8_BLOCK)
        let q = UncheckedSendable(values.assumingMemoryBound(to: Int8.self))
        let d = UncheckedSendable(scales.assumingMemoryBound(to: UInt16.self))
        let rowsPerPass = 32
        Parallel.chunks(w.rows, granule: rowsPerPass) { range in
            let scratch = FloatBuffer(count: rowsPerPass * cols, zeroed: false)
            var start = range.lowerBound
            while start < range.upperBound {
                let count = min(rowsPerPass, range.upperBound - start)
                w.rowsAsFloat(start, count: count, into: scratch.pointer)
                for r in 0..<count {
                    ck_q8_quantize_row_f16(scratch.pointer + r * cols, Int32(cols), q.value + (start + r) * stride,
                                           d.value + (start + r) * blocks)
                }
                start += count
            }
        }
    }

    /// x (k values) quantized per block of 32 with f32 scales, as the Q8_0 GEMV takes its activations.
    static func quantizeActivations(_ x: UnsafePointer<Float>, count k: Int, values: UnsafeMutablePointer<Int8>,
                                    scales: UnsafeMutablePointer<Float>) {
        ck_q8_quantize_row(x, Int32(k), values, scales)
    }
}
