import CKernels

/// Matrix products against stored weights: `y = x·Wᵀ + b`, choosing the kernel by weight type and
/// row count (bf16: AVX-512 BF16 GEMM/GEMV when the CPU has it; f32: OpenBLAS; otherwise convert
/// row blocks to f32 and use OpenBLAS).
public enum MatMul {
    /// k-pairs per packed chunk of the bf16 GEMM (768 values of k: keeps A chunks in L3, B panels in L2).
    static let chunkPairs = 384

    /// out[m × W.rows] = x[m × W.cols]·Wᵀ (+ bias). Row strides default to the dense widths.
    /// `bf16Arithmetic` false: bf16 weights are widened to f32 and multiplied in f32 (slower; exact parity runs).
    public static func linear(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int? = nil, weight w: WeightMatrix,
                              bias: UnsafePointer<Float>? = nil, out: UnsafeMutablePointer<Float>, ldo: Int? = nil,
                              bf16Arithmetic: Bool = true) {
        let k = w.cols, n = w.rows
        let lda = ldx ?? k, ldc = ldo ?? n
        if m == 0 || n == 0 { return }
        switch w.element {
        case .bf16 where bf16Arithmetic && BFloat16.hasNativeDotProduct:
            if m < 4 {
                gemvBF16(x, rows: m, lda: lda, weight: w, bias: bias, out: out, ldc: ldc)
            } else {
                gemmBF16(m: m, n: n, k: k, a: x, lda: lda, b: w.u16Pointer, ldb: k, c: out, ldc: ldc,
                         bias: bias, parallel: true)
            }
        case .f32:
            Parallel.chunks(n, granule: 16) { cols in
                sgemmColumns(x, m: m, lda: lda, w: w.f32Pointer + cols.lowerBound * k, k: k, cols: cols,
                             bias: bias, out: out, ldc: ldc)
            }
        case .bf16, .f16:
            let block = 64
            Parallel.chunks(n, granule: block) { cols in
                let scratch = FloatBuffer(count: block * k)
                var start = cols.lowerBound
                while start < cols.upperBound {
                    let count = min(block, cols.upperBound - start)
                    w.rowsAsFloat(start, count: count, into: scratch.pointer)
                    sgemmColumns(x, m: m, lda: lda, w: scratch.pointer, k: k, cols: start..<(start + count),
                                 bias: bias, out: out, ldc: ldc)
                    start += count
                }
            }
        }
    }

    /// out[:, cols] = x·W[cols]ᵀ (+ bias[cols]) with W's rows for `cols` at `w` (f32, stride k).
    private static func sgemmColumns(_ x: UnsafePointer<Float>, m: Int, lda: Int, w: UnsafePointer<Float>, k: Int,
                                     cols: Range<Int>, bias: UnsafePointer<Float>?,
                                     out: UnsafeMutablePointer<Float>, ldc: Int) {
        let width = cols.count
        let c = out + cols.lowerBound
        if let bias {
            for r in 0..<m { (c + r * ldc).update(from: bias + cols.lowerBound, count: width) }
        }
        let beta: Float = bias == nil ? 0 : 1
        if m == 1 {
            BLAS.sgemv(n: width, k: k, w: w, ldw: k, x: x, beta: beta, y: c)
        } else {
            BLAS.sgemm(m: m, n: width, k: k, a: x, lda: lda, b: w, ldb: k, transB: true, beta: beta, c: c, ldc: ldc)
        }
    }

    private static func gemvBF16(_ x: UnsafePointer<Float>, rows m: Int, lda: Int, weight w: WeightMatrix,
                                 bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>, ldc: Int) {
        let k = w.cols
        let xb = UnsafeMutablePointer<UInt16>.allocate(capacity: max(k, 1))
        defer { xb.deallocate() }
        for r in 0..<m {
            BFloat16.convert(x + r * lda, to: xb, count: k)
            let y = out + r * ldc
            let xbConst = UnsafePointer(xb)
            Parallel.chunks(w.rows, granule: 16) { rows in
                ck_gemv_bf16(xbConst, Int32(k), w.u16Pointer, Int32(k), Int32(rows.lowerBound), Int32(rows.upperBound),
                             y, bias)
            }
        }
    }

    /// Rows of packed A per block (≈ 360 KB of A per k-chunk: stays in L2 while the B panels stream).
    static let rowBlock = 240

    /// C[m×n] = bf16(A[m×k])·B[n×k]ᵀ (+ bias), B bf16 row-major with row stride ldb. Requires
    /// `BFloat16.hasNativeDotProduct`. `parallel`: spread over `Parallel.threadCount` threads (split by
    /// columns). Per k-chunk: A is packed once (shared), each thread packs its B columns once, then
    /// walks A in row blocks (GotoBLAS order: A block in L2, B panels from L3).
    public static func gemmBF16(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                b: UnsafePointer<UInt16>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                                bias: UnsafePointer<Float>?, parallel: Bool) {
        if m == 0 || n == 0 { return }
        let totalPairs = (k + 1) / 2
        let kcp = min(chunkPairs, max(totalPairs, 1))
        let panels = (m + Int(CK_MR) - 1) / Int(CK_MR)
        let packed = UnsafeMutablePointer<UInt32>.allocate(capacity: ck_packed_a_words(Int32(m), Int32(kcp)))
        defer { packed.deallocate() }
        let threads = parallel ? Parallel.threadCount : 1
        let nRanges = Parallel.ranges(n, parts: threads, granule: Int(CK_NR))
        let widest = nRanges.map(\.count).max() ?? 0
        let bWords = ck_packed_b_words(Int32(widest), Int32(kcp))
        let packedB = UnsafeMutablePointer<UInt32>.allocate(capacity: max(bWords, 1) * max(nRanges.count, 1))
        defer { packedB.deallocate() }
        var k0 = 0
        repeat {
            let pairs = min(kcp, (k - k0 + 1) / 2)
            let accumulate: Int32 = k0 > 0 ? 1 : 0
            let start = Int32(k0)
            let panelRanges = Parallel.ranges(panels, parts: threads)
            Parallel.forEach(panelRanges.count) { i in
                let r = panelRanges[i]
                ck_pack_a(a, Int32(lda), Int32(r.lowerBound * Int(CK_MR)), Int32(min(m, r.upperBound * Int(CK_MR))),
                          start, Int32(pairs), Int32(k), packed)
            }
            Parallel.forEach(nRanges.count) { i in
                let cols = nRanges[i]
                let pb = packedB + i * bWords
                ck_pack_b(b + cols.lowerBound * ldb, Int32(ldb), Int32(cols.count), start, Int32(pairs), Int32(k), pb)
                var row = 0
                while row < m {
                    let rows = min(rowBlock, m - row)
                    ck_gemm_bf16_prepacked(Int32(rows), Int32(pairs), packed + (row / Int(CK_MR)) * Int(CK_MR) * pairs,
                                           pb, Int32(pairs), 0, Int32(cols.count), c + row * ldc + cols.lowerBound,
                                           Int32(ldc), bias.map { $0 + cols.lowerBound }, accumulate)
                    row += rows
                }
            }
            k0 += 2 * pairs
        } while k0 < k
    }
}
