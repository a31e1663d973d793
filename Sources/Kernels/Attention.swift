import CKernels

/// Scaled dot-product attention over row-major activations, heads side by side in each row.
/// Query head h reads key/value head h / (heads / kvHeads) (grouped-query attention).
public enum Attention {
    /// Which arithmetic the two products use: `.f32`, or `.bf16` (operands rounded to bf16, f32
    /// accumulation — what a bf16 checkpoint's reference does) where the kernel ISA has bf16 products.
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

    /// Query rows per work item (memory estimates size the score rows from it).
    public static let block = 128

    /// out[i, h] = softmax(scale·q[i,h]·k[j,g]ᵀ over visible j)·v[j,g].
    /// `causalOffset`: nil = every query sees every key (bidirectional); n = query i sees keys j ≤ n + i.
    /// On the vector ISAs: flash-style through the ISA's packed GEMM (keys and values packed once per call,
    /// `.bf16` precision with bf16 products only where the ISA has them), and for fewer than
    /// `MatMul.gemvRows` queries (decode) the GEMV kernel and a weighted row sum in f32; `portable`:
    /// OpenBLAS per (head, query block).
    public static func compute(q: UnsafePointer<Float>, qStride: Int, k: UnsafePointer<Float>, kStride: Int,
                               v: UnsafePointer<Float>, vStride: Int, queries: Int, keys: Int, layout: Layout,
                               scale: Float, causalOffset: Int?, precision: Precision,
                               out: UnsafeMutablePointer<Float>, outStride: Int, isa: KernelISA = .active) {
        if queries == 0 || keys == 0 { return }
        let hd = layout.headDim
        let items = WorkItems(layout: layout, queries: queries, keys: keys, causalOffset: causalOffset)
        if isa != .portable && queries < MatMul.gemvRows {
            decode(items, q: q, qStride: qStride, k: k, kStride: kStride, v: v, vStride: vStride, headDim: hd, scale: scale,
                   out: out, outStride: outStride, isa: isa)
            return
        }
        if let kernel = PackedGEMM.kernel(for: isa, bf16Products: precision == .bf16), hd <= kernel.kcMax {
            let packed = PackedKeysValues(kernel: kernel, k: k, kStride: kStride, v: v, vStride: vStride, keys: keys, layout: layout)
            flash(items, packed, q: q, qStride: qStride, scale: scale, out: out, outStride: outStride, isa: isa)
            return
        }
        let rowsPerItem = min(block, queries)
        let scores = FloatBuffer(count: items.workers * rowsPerItem * keys, zeroed: false)
        items.run { worker, item in
            let s = scores.pointer + worker * rowsPerItem * keys
            let qh = q + item.i0 * qStride + item.h * hd, oh = out + item.i0 * outStride + item.h * hd
            BLAS.sgemm(m: item.rows, n: item.visible, k: hd, a: qh, lda: qStride, b: k + item.g * hd, ldb: kStride,
                       transB: true, c: s, ldc: item.visible)
            items.mask(s, ld: item.visible, item: item, firstKey: 0, width: item.visible)
            ck_softmax_rows_scaled(isa.code, s, Int32(item.rows), Int32(item.visible), Int32(item.visible), scale)
            BLAS.sgemm(m: item.rows, n: hd, k: item.visible, a: s, lda: item.visible, b: v + item.g * hd, ldb: vStride,
                       transB: false, c: oh, ldc: outStride)
        }
    }

    /// The (head, query block) work items of one call, spread round-robin over the kernel threads.
    struct WorkItems {
        struct Item {
            let h: Int, g: Int
            /// First query and query count of the block.
            let i0: Int, rows: Int
            /// Keys visible to the block's last query.
            let visible: Int
        }

        let heads: Int, group: Int, blocks: Int, queries: Int, keys: Int
        let causalOffset: Int?

        init(layout: Layout, queries: Int, keys: Int, causalOffset: Int?) {
            heads = layout.heads
            group = max(1, layout.heads / max(layout.kvHeads, 1))
            blocks = (queries + block - 1) / block
            self.queries = queries
            self.keys = keys
            self.causalOffset = causalOffset
        }

        var count: Int { heads * blocks }
        var workers: Int { min(Parallel.threadCount, count) }

        func item(_ index: Int) -> Item {
            let h = index / blocks, i0 = (index % blocks) * block
            let rows = min(block, queries - i0)
            return Item(h: h, g: h / group, i0: i0, rows: rows, visible: causalOffset.map { min(keys, $0 + i0 + rows) } ?? keys)
        }

        /// Runs `body(worker, item)` for every item, each worker taking every `workers`-th.
        func run(_ body: (Int, Item) -> Void) {
            let workers = self.workers
            Parallel.forEach(workers) { worker in
                var index = worker
                while index < count {
                    body(worker, item(index))
                    index += workers
                }
            }
        }

        /// Sets the scores (rows of `ld`, covering keys [firstKey, firstKey + width)) of keys after each
        /// query's position to −∞.
        func mask(_ s: UnsafeMutablePointer<Float>, ld: Int, item: Item, firstKey: Int, width: Int) {
            guard let offset = causalOffset else { return }
            for r in 0..<item.rows {
                let limit = max(0, offset + item.i0 + r + 1 - firstKey)  // first hidden key, tile-relative
                if limit < width { (s + r * ld + limit).update(repeating: -.infinity, count: width - limit) }
            }
        }
    }

    /// Decode (a few queries): per head and query, scores by the GEMV kernel over the key rows, softmax,
    /// and P·V as a weighted sum of value rows, all in f32.
    private static func decode(_ items: WorkItems, q: UnsafePointer<Float>, qStride: Int, k: UnsafePointer<Float>, kStride: Int,
                               v: UnsafePointer<Float>, vStride: Int, headDim hd: Int, scale: Float,
                               out: UnsafeMutablePointer<Float>, outStride: Int, isa: KernelISA) {
        let scores = FloatBuffer(count: items.workers * items.keys, zeroed: false)
        items.run { worker, item in
            let s = scores.pointer + worker * items.keys
            for i in item.i0..<(item.i0 + item.rows) {
                let visible = items.causalOffset.map { min(items.keys, $0 + i + 1) } ?? items.keys
                ck_gemv_avx2(CK_ELEM_F32, q + i * qStride + item.h * hd, Int32(hd), k + item.g * hd, Int32(kStride), 0,
                             Int32(visible), s, nil)
                ck_softmax_rows_scaled(isa.code, s, 1, Int32(visible), Int32(visible), scale)
                ck_weighted_rows(isa.code, s, Int32(visible), v + item.g * hd, Int32(vStride), Int32(hd),
                                 out + i * outStride + item.h * hd)
            }
        }
    }

    /// Flash-style: per (head, query block), key tiles of `kernel.kcMax` (the value chunks' size) with a
    /// running row max and sum (online softmax), so only a block × tile score matrix exists; the output
    /// rows accumulate P·V in place, are rescaled when a row's max grows, and are divided by the sum at the end.
    private static func flash(_ items: WorkItems, _ packed: PackedKeysValues, q: UnsafePointer<Float>, qStride: Int,
                              scale: Float, out: UnsafeMutablePointer<Float>, outStride: Int, isa: KernelISA) {
        let kernel = packed.kernel, hd = packed.hd, keys = packed.keys, tile = kernel.kcMax
        let qWords = kernel.aWords(m: block, kc: hd), pWords = kernel.aWords(m: block, kc: tile)
        let perWorker = block * tile + 3 * block  // scores, then m, l, alpha
        let scratch = FloatBuffer(count: items.workers * perWorker, zeroed: false)
        let packedA = UnsafeMutableRawPointer.allocate(byteCount: max(1, items.workers * (qWords + pWords) * 4), alignment: 64)
        defer { packedA.deallocate() }
        items.run { worker, item in
            let s = scratch.pointer + worker * perWorker
            let m = s + block * tile, l = m + block, alpha = l + block
            let qa = packedA + worker * (qWords + pWords) * 4, pa = qa + qWords * 4
            let rows = item.rows, oh = out + item.i0 * outStride + item.h * hd
            kernel.packA(q + item.i0 * qStride + item.h * hd, lda: qStride, rows: 0, to: rows, k0: 0, kc: hd, kEnd: hd, into: qa)
            m.update(repeating: -.infinity, count: rows)
            l.update(repeating: 0, count: rows)
            var t0 = 0
            while t0 < item.visible {
                let width = min(tile, item.visible - t0)
                // s[r][j] = q_r · k_(t0 + j): the key panels' columns [t0, t0 + width) (t0 is a multiple of nr).
                kernel.multiply(m: rows, kc: hd, a: qa, b: packed.keyPanels[item.g], panelKc: hd, columns: t0, to: t0 + width,
                                c: s - t0, ldc: width, bias: nil, accumulate: false)
                items.mask(s, ld: width, item: item, firstKey: t0, width: width)
                ck_online_softmax_tile(isa.code, s, Int32(rows), Int32(width), Int32(width), scale, m, l, alpha)
                if t0 > 0 {
                    for r in 0..<rows where alpha[r] != 1 {
                        let o = oh + r * outStride, a = alpha[r]
                        for d in 0..<hd { o[d] *= a }
                    }
                }
                kernel.packA(s, lda: width, rows: 0, to: rows, k0: 0, kc: width, kEnd: width, into: pa)
                kernel.multiply(m: rows, kc: width, a: pa, b: packed.valueChunks[item.g][t0 / tile], panelKc: min(tile, keys - t0),
                                columns: 0, to: hd, c: oh, ldc: outStride, bias: nil, accumulate: t0 > 0)
                t0 += tile
            }
            for r in 0..<rows {
                let o = oh + r * outStride, inv: Float = l[r] > 0 || l[r].isNaN ? 1 / l[r] : 0
                for d in 0..<hd { o[d] *= inv }
            }
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
}
