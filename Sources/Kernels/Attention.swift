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
    /// Both products run through the ISA's packed GEMM (keys and values packed once per call; `.bf16`
    /// precision uses bf16 products only where the ISA has them); on `portable`, and for fewer than
    /// `MatMul.gemvRows` queries (decode), OpenBLAS.
    public static func compute(q: UnsafePointer<Float>, qStride: Int, k: UnsafePointer<Float>, kStride: Int,
                               v: UnsafePointer<Float>, vStride: Int, queries: Int, keys: Int, layout: Layout,
                               scale: Float, causalOffset: Int?, precision: Precision,
                               out: UnsafeMutablePointer<Float>, outStride: Int, isa: KernelISA = .active) {
        if queries == 0 || keys == 0 { return }
        let hd = layout.headDim
        let kernel = queries >= MatMul.gemvRows ? PackedGEMM.kernel(for: isa, bf16Products: precision == .bf16) : nil
        let packed = kernel.flatMap { kernel in
            hd <= kernel.kcMax
                ? PackedKeysValues(kernel: kernel, k: k, kStride: kStride, v: v, vStride: vStride, keys: keys, layout: layout)
                : nil
        }
        let group = max(1, layout.heads / max(layout.kvHeads, 1))
        let blocks = (queries + block - 1) / block
        let items = layout.heads * blocks
        let workers = min(Parallel.threadCount, items)
        let rowsPerItem = min(block, queries)
        let scores = FloatBuffer(count: workers * rowsPerItem * keys, zeroed: false)
        let aWords = packed.map { $0.kernel.aWords(m: block, kc: max(hd, $0.kernel.kcMax)) } ?? 0
        let packedA = UnsafeMutableRawPointer.allocate(byteCount: max(1, workers * aWords * 4), alignment: 64)
        defer { packedA.deallocate() }
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
                if let packed {
                    let a = packedA + worker * aWords * 4
                    packed.scores(g: g, q: qh, qStride: qStride, rows: rows, visible: visible, packedA: a, out: s)
                    mask(s, rows: rows, visible: visible, firstQuery: i0, causalOffset: causalOffset)
                    ck_softmax_rows_scaled(isa.code, s, Int32(rows), Int32(visible), Int32(visible), scale)
                    packed.mix(g: g, p: s, rows: rows, visible: visible, packedA: a, out: oh, outStride: outStride)
                } else {
                    BLAS.sgemm(m: rows, n: visible, k: hd, a: qh, lda: qStride, b: k + g * hd, ldb: kStride,
                               transB: true, c: s, ldc: visible)
                    mask(s, rows: rows, visible: visible, firstQuery: i0, causalOffset: causalOffset)
                    ck_softmax_rows_scaled(isa.code, s, Int32(rows), Int32(visible), Int32(visible), scale)
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

/// Keys and transposed values of every kv head, packed once for the kernel's B panels (so each query
/// block only packs its own rows): bf16 products take them rounded to bf16, f32 products as they are.
private final class PackedKeysValues: @unchecked Sendable {
    let kernel: PackedGEMM
    let keys: Int
    let hd: Int
    let keyPanels: [UnsafeMutableRawPointer]
    /// Per kv head, per k-chunk of `kernel.kcMax` keys: packed Vᵀ (hd rows).
    let valueChunks: [[UnsafeMutableRawPointer]]

    init(kernel: PackedGEMM, k: UnsafePointer<Float>, kStride: Int, v: UnsafePointer<Float>, vStride: Int, keys: Int,
         layout: Attention.Layout) {
        self.kernel = kernel
        self.keys = keys
        let hd = layout.headDim
        self.hd = hd
        let chunk = kernel.kcMax
        let chunks = (keys + chunk - 1) / chunk
        let keyBytes = kernel.bWords(n: keys, kc: hd) * 4
        let valueBytes = kernel.bWords(n: hd, kc: chunk) * 4
        keyPanels = (0..<layout.kvHeads).map { _ in UnsafeMutableRawPointer.allocate(byteCount: keyBytes, alignment: 64) }
        valueChunks = (0..<layout.kvHeads).map { _ in
            (0..<chunks).map { _ in UnsafeMutableRawPointer.allocate(byteCount: valueBytes, alignment: 64) }
        }
        let kp = keyPanels, vc = valueChunks
        let bf16 = kernel.arithmetic == .bf16
        Parallel.forEach(layout.kvHeads) { g in
            if bf16 {
                let kb = UnsafeMutablePointer<UInt16>.allocate(capacity: keys * hd)
                defer { kb.deallocate() }
                for j in 0..<keys { BFloat16.convert(k + j * kStride + g * hd, to: kb + j * hd, count: hd) }
                kernel.packB(kb, element: .bf16, ldb: hd, columns: keys, k0: 0, kc: hd, kEnd: hd, into: kp[g])
            } else {
                kernel.packB(k + g * hd, element: .f32, ldb: kStride, columns: keys, k0: 0, kc: hd, kEnd: hd, into: kp[g])
            }
            // Vᵀ [hd][keys] in the element the kernel packs from.
            let vt = UnsafeMutableRawPointer.allocate(byteCount: keys * hd * (bf16 ? 2 : 4), alignment: 64)
            defer { vt.deallocate() }
            if bf16 {
                let t = vt.assumingMemoryBound(to: UInt16.self)
                for j in 0..<keys {
                    let src = v + j * vStride + g * hd
                    for d in 0..<hd { t[d * keys + j] = BFloat16.fromFloat(src[d]) }
                }
            } else {
                let t = vt.assumingMemoryBound(to: Float.self)
                for j in 0..<keys {
                    let src = v + j * vStride + g * hd
                    for d in 0..<hd { t[d * keys + j] = src[d] }
                }
            }
            for c in 0..<chunks {
                let k0 = c * chunk
                kernel.packB(vt, element: bf16 ? .bf16 : .f32, ldb: keys, columns: hd, k0: k0, kc: min(chunk, keys - k0),
                             kEnd: keys, into: vc[g][c])
            }
        }
    }

    deinit {
        keyPanels.forEach { $0.deallocate() }
        valueChunks.joined().forEach { $0.deallocate() }
    }

    /// s[rows × visible] = Q·Kᵀ (unscaled).
    func scores(g: Int, q: UnsafePointer<Float>, qStride: Int, rows: Int, visible: Int,
                packedA: UnsafeMutableRawPointer, out s: UnsafeMutablePointer<Float>) {
        kernel.packA(q, lda: qStride, rows: 0, to: rows, k0: 0, kc: hd, kEnd: hd, into: packedA)
        kernel.multiply(m: rows, kc: hd, a: packedA, b: keyPanels[g], panelKc: hd, columns: 0, to: visible, c: s, ldc: visible,
                        bias: nil, accumulate: false)
    }

    /// out[rows × hd] = P·V over the first `visible` keys.
    func mix(g: Int, p: UnsafePointer<Float>, rows: Int, visible: Int, packedA: UnsafeMutableRawPointer,
             out: UnsafeMutablePointer<Float>, outStride: Int) {
        let chunk = kernel.kcMax
        var k0 = 0, c = 0
        while k0 < visible {
            let packedKc = min(chunk, keys - k0)
            let kc = min(packedKc, visible - k0)
            kernel.packA(p, lda: visible, rows: 0, to: rows, k0: k0, kc: kc, kEnd: visible, into: packedA)
            kernel.multiply(m: rows, kc: kc, a: packedA, b: valueChunks[g][c], panelKc: packedKc, columns: 0, to: hd,
                            c: out, ldc: outStride, bias: nil, accumulate: k0 > 0)
            k0 += chunk
            c += 1
        }
    }
}
