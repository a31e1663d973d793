import CKernels

/// Scaled dot-product attention over row-major activations, heads side by side in each row.
/// Query head h reads key/value head h / (heads / kvHeads) (grouped-query attention).
public enum Attention {
    /// Which arithmetic the two products use: `.f32` (OpenBLAS sgemm) or `.bf16` (operands rounded
    /// to bf16, f32 accumulation — what a bf16 checkpoint's reference does).
    public enum Precision: Sendable { case f32, bf16 }

    public struct Layout: Sendable {
        public var heads: Int
        public var kvHeads: Int
        public var headDim: Int
        public init(heads: Int, kvHeads: Int, headDim: Int) {
            self.heads = heads
            self.kvHeads = kvHeads
            self.headDim = headDim
        }
    }

    /// out[i, h] = softmax(scale·q[i,h]·k[j,g]ᵀ over visible j)·v[j,g].
    /// `causalOffset`: nil = every query sees every key (bidirectional); n = query i sees keys j ≤ n + i.
    public static func compute(q: UnsafePointer<Float>, qStride: Int, k: UnsafePointer<Float>, kStride: Int,
                               v: UnsafePointer<Float>, vStride: Int, queries: Int, keys: Int, layout: Layout,
                               scale: Float, causalOffset: Int?, precision: Precision,
                               out: UnsafeMutablePointer<Float>, outStride: Int) {
        if queries == 0 { return }
        let group = max(1, layout.heads / max(layout.kvHeads, 1))
        let hd = layout.headDim
        let useBF16 = precision == .bf16 && BFloat16.hasNativeDotProduct
        // bf16 operands: keys [keys × hd] and valuesᵀ [hd × keys] per kv head, converted once.
        var keyBF16: UnsafeMutablePointer<UInt16>? = nil
        var valueTBF16: UnsafeMutablePointer<UInt16>? = nil
        if useBF16 {
            let kb = UnsafeMutablePointer<UInt16>.allocate(capacity: layout.kvHeads * keys * hd)
            let vb = UnsafeMutablePointer<UInt16>.allocate(capacity: layout.kvHeads * keys * hd)
            Parallel.forEach(layout.kvHeads) { g in
                for j in 0..<keys {
                    BFloat16.convert(k + j * kStride + g * hd, to: kb + (g * keys + j) * hd, count: hd)
                    let src = v + j * vStride + g * hd
                    let dst = vb + g * keys * hd
                    for d in 0..<hd { dst[d * keys + j] = BFloat16.fromFloat(src[d]) }
                }
            }
            keyBF16 = kb
            valueTBF16 = vb
        }
        defer {
            keyBF16?.deallocate()
            valueTBF16?.deallocate()
        }
        let block = 128
        let blocks = (queries + block - 1) / block
        let items = layout.heads * blocks
        let scores = FloatBuffer(count: Parallel.threadCount * block * keys)
        let kbConst = keyBF16.map { UnsafePointer($0) }
        let vbConst = valueTBF16.map { UnsafePointer($0) }
        let workers = min(Parallel.threadCount, items)
        Parallel.forEach(workers) { worker in
            let s = scores.pointer + worker * block * keys
            var item = worker
            while item < items {
                let h = item / blocks, b = item % blocks
                let g = h / group
                let i0 = b * block, rows = min(block, queries - i0)
                // Keys visible to the last query of the block.
                let visible = causalOffset.map { min(keys, $0 + i0 + rows) } ?? keys
                let qh = q + i0 * qStride + h * hd
                if let kb = kbConst {
                    MatMul.gemmBF16(m: rows, n: visible, k: hd, a: qh, lda: qStride, b: kb + g * keys * hd, ldb: hd,
                                    c: s, ldc: visible, bias: nil, parallel: false)
                    for idx in 0..<(rows * visible) { s[idx] *= scale }
                } else {
                    BLAS.sgemm(m: rows, n: visible, k: hd, a: qh, lda: qStride, b: k + g * hd, ldb: kStride,
                               transB: true, c: s, ldc: visible)
                    for idx in 0..<(rows * visible) { s[idx] *= scale }
                }
                if let offset = causalOffset {
                    for r in 0..<rows {
                        let limit = offset + i0 + r + 1
                        if limit < visible { (s + r * visible + limit).update(repeating: -.infinity, count: visible - limit) }
                    }
                }
                Softmax.rows(s, rows: rows, width: visible)
                let oh = out + i0 * outStride + h * hd
                if let vb = vbConst {
                    MatMul.gemmBF16(m: rows, n: hd, k: visible, a: s, lda: visible, b: vb + g * keys * hd, ldb: keys,
                                    c: oh, ldc: outStride, bias: nil, parallel: false)
                } else {
                    BLAS.sgemm(m: rows, n: hd, k: visible, a: s, lda: visible, b: v + g * hd, ldb: vStride,
                               transB: false, c: oh, ldc: outStride)
                }
                item += workers
            }
        }
    }
}
