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

    /// Query rows per work item.
    static let block = 128

    /// out[i, h] = softmax(scale·q[i,h]·k[j,g]ᵀ over visible j)·v[j,g].
    /// `causalOffset`: nil = every query sees every key (bidirectional); n = query i sees keys j ≤ n + i.
    public static func compute(q: UnsafePointer<Float>, qStride: Int, k: UnsafePointer<Float>, kStride: Int,
                               v: UnsafePointer<Float>, vStride: Int, queries: Int, keys: Int, layout: Layout,
                               scale: Float, causalOffset: Int?, precision: Precision,
                               out: UnsafeMutablePointer<Float>, outStride: Int) {
        if queries == 0 || keys == 0 { return }
        let hd = layout.headDim
        let packed = precision == .bf16 && BFloat16.hasNativeDotProduct && hd <= 2 * MatMul.chunkPairs
            ? PackedKeysValues(k: k, kStride: kStride, v: v, vStride: vStride, keys: keys, layout: layout) : nil
        let group = max(1, layout.heads / max(layout.kvHeads, 1))
        let blocks = (queries + block - 1) / block
        let items = layout.heads * blocks
        let workers = min(Parallel.threadCount, items)
        let rowsPerItem = min(block, queries)
        let scores = FloatBuffer(count: workers * rowsPerItem * keys, zeroed: false)
        let packedA = packed.map { _ in
            UnsafeMutablePointer<UInt32>.allocate(capacity: workers * ck_packed_a_words(Int32(block), Int32(MatMul.chunkPairs)))
        }
        defer { packedA?.deallocate() }
        let aWords = ck_packed_a_words(Int32(block), Int32(MatMul.chunkPairs))
        Parallel.forEach(workers) { worker in
            let s = scores.pointer + worker * rowsPerItem * keys
            var item = worker
            while item < items {
                let h = item / blocks, b = item % blocks
                let g = h / group
                let i0 = b * block, rows = min(block, queries - i0)
                // Keys visible to the last query of the block.
                let visible = causalOffset.map { min(keys, $0 + i0 + rows) } ?? keys
                let qh = q + i0 * qStride + h * hd
                let oh = out + i0 * outStride + h * hd
                if let packed, let a = packedA.map({ $0 + worker * aWords }) {
                    packed.scores(g: g, q: qh, qStride: qStride, rows: rows, visible: visible, packedA: a, out: s)
                    mask(s, rows: rows, visible: visible, firstQuery: i0, causalOffset: causalOffset)
                    ck_softmax_rows_scaled(s, Int32(rows), Int32(visible), Int32(visible), scale)
                    packed.mix(g: g, p: s, rows: rows, visible: visible, packedA: a, out: oh, outStride: outStride)
                } else {
                    BLAS.sgemm(m: rows, n: visible, k: hd, a: qh, lda: qStride, b: k + g * hd, ldb: kStride,
                               transB: true, c: s, ldc: visible)
                    mask(s, rows: rows, visible: visible, firstQuery: i0, causalOffset: causalOffset)
                    ck_softmax_rows_scaled(s, Int32(rows), Int32(visible), Int32(visible), scale)
                    BLAS.sgemm(m: rows, n: hd, k: visible, a: s, lda: visible, b: v + g * hd, ldb: vStride,
                               transB: false, c: oh, ldc: outStride)
                }
                item += workers
            }
        }
    }

    /// Sets scores of keys after each query's position to −∞.
    private static func mask(_ s: UnsafeMutablePointer<Float>, rows: Int, visible: Int, firstQuery i0: Int, causalOffset: Int?) {
        guard let offset = causalOffset else { return }
        for r in 0..<rows {
            let limit = offset + i0 + r + 1
            if limit < visible { (s + r * visible + limit).update(repeating: -.infinity, count: visible - limit) }
        }
    }
}

/// Keys and transposed values of every kv head, rounded to bf16 and packed once for the GEMM kernel
/// (so each query block only packs its own rows).
private final class PackedKeysValues: @unchecked Sendable {
    let keys: Int
    let hd: Int
    let hdPairs: Int
    let keyPanels: [UnsafeMutablePointer<UInt32>]
    /// Per kv head, per k-chunk of `2·chunkPairs` keys: packed Vᵀ (hd rows).
    let valueChunks: [[UnsafeMutablePointer<UInt32>]]
    let chunkPairs = MatMul.chunkPairs

    init(k: UnsafePointer<Float>, kStride: Int, v: UnsafePointer<Float>, vStride: Int, keys: Int, layout: Attention.Layout) {
        self.keys = keys
        hd = layout.headDim
        hdPairs = (layout.headDim + 1) / 2
        let hd = layout.headDim, hdPairs = self.hdPairs, chunk = MatMul.chunkPairs
        let chunks = (keys + 2 * chunk - 1) / (2 * chunk)
        let keyWords = ck_packed_b_words(Int32(keys), Int32(hdPairs))
        let valueWords = ck_packed_b_words(Int32(hd), Int32(chunk))
        keyPanels = (0..<layout.kvHeads).map { _ in UnsafeMutablePointer<UInt32>.allocate(capacity: keyWords) }
        valueChunks = (0..<layout.kvHeads).map { _ in
            (0..<chunks).map { _ in UnsafeMutablePointer<UInt32>.allocate(capacity: valueWords) }
        }
        let kp = keyPanels, vc = valueChunks
        Parallel.forEach(layout.kvHeads) { g in
            let kb = UnsafeMutablePointer<UInt16>.allocate(capacity: keys * hd)
            let vt = UnsafeMutablePointer<UInt16>.allocate(capacity: keys * hd)
            defer { kb.deallocate(); vt.deallocate() }
            for j in 0..<keys {
                BFloat16.convert(k + j * kStride + g * hd, to: kb + j * hd, count: hd)
                let src = v + j * vStride + g * hd
                for d in 0..<hd { vt[d * keys + j] = BFloat16.fromFloat(src[d]) }
            }
            ck_pack_b(kb, Int32(hd), Int32(keys), 0, Int32(hdPairs), Int32(hd), kp[g])
            for c in 0..<chunks {
                let k0 = c * 2 * chunk
                let pairs = min(chunk, (keys - k0 + 1) / 2)
                ck_pack_b(vt, Int32(keys), Int32(hd), Int32(k0), Int32(pairs), Int32(keys), vc[g][c])
            }
        }
    }

    deinit {
        keyPanels.forEach { $0.deallocate() }
        valueChunks.joined().forEach { $0.deallocate() }
    }

    /// s[rows × visible] = Q·Kᵀ (unscaled).
    func scores(g: Int, q: UnsafePointer<Float>, qStride: Int, rows: Int, visible: Int,
                packedA: UnsafeMutablePointer<UInt32>, out s: UnsafeMutablePointer<Float>) {
        ck_pack_a(q, Int32(qStride), 0, Int32(rows), 0, Int32(hdPairs), Int32(hd), packedA)
        ck_gemm_bf16_prepacked(Int32(rows), Int32(hdPairs), packedA, keyPanels[g], Int32(hdPairs), 0, Int32(visible),
                               s, Int32(visible), nil, 0)
    }

    /// out[rows × hd] = P·V over the first `visible` keys.
    func mix(g: Int, p: UnsafePointer<Float>, rows: Int, visible: Int, packedA: UnsafeMutablePointer<UInt32>,
             out: UnsafeMutablePointer<Float>, outStride: Int) {
        var k0 = 0, c = 0
        while k0 < visible {
            let packedPairs = min(chunkPairs, (keys - k0 + 1) / 2)
            let pairs = min(packedPairs, (visible - k0 + 1) / 2)
            ck_pack_a(p, Int32(visible), 0, Int32(rows), Int32(k0), Int32(pairs), Int32(visible), packedA)
            ck_gemm_bf16_prepacked(Int32(rows), Int32(pairs), packedA, valueChunks[g][c], Int32(packedPairs), 0, Int32(hd),
                                   out, Int32(outStride), nil, k0 > 0 ? 1 : 0)
            k0 += 2 * chunkPairs
            c += 1
        }
    }
}
