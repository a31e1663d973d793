import CKernels

/// Matrix products against stored weights: `y = x·Wᵀ + b`, choosing the kernel by kernel ISA, weight
/// type and row count:
/// - avx512bf16: GEMM through `PackedGEMM.kernel(for:bf16Products:)`: bf16 products (PackedGEMM.bf16) for
///   16-bit weights where vdpbf16ps pays on this CPU, else (and for f32 weights or f32 arithmetic) the
///   AVX-512F f32 kernel (PackedGEMM.f32AVX512, weights widened while packing; on Sapphire/Emerald
///   Rapids twice the bf16 kernel's speed). Decode GEMV in registers: bf16 with vdpbf16ps, f16 widened
///   with vcvtph2ps against f32 x; f32 weights and f32 arithmetic the AVX2 GEMV.
/// - avx2: every weight type through the AVX2 f32 kernels (PackedGEMM.f32, GEMV widening in registers).
/// - portable: OpenBLAS, bf16/f16 row blocks widened to f32 first.
/// - Q8_0 weights, any ISA: decode rows through the integer GEMV (activations quantized per block);
///   more rows through the ISA's packed GEMM with the weight panels widened from Q8_0 while packing;
///   portable as above (rows dequantized).
public enum MatMul {
    /// Below this many rows, one GEMV per row (weights streamed once per row) beats packing.
    static let gemvRows = 4
    /// A GEMV's rows are cut into this many pieces per thread, taken in turn (KernelThreads), so a core
    /// that runs behind (a VM's neighbour, the other core's page walks) does not leave the other idle.
    static let gemvPieces = 4

    /// Runs `body` over a GEMV's `n` output rows in parallel: `gemvPieces` pieces a thread, of whole
    /// 16-row groups (the kernels take four rows a step).
    private static func gemvRowPieces(_ n: Int, _ body: (Range<Int>) -> Void) {
        Parallel.chunks(n, granule: 16, piecesPerThread: gemvPieces, body)
    }

    /// out[m × W.rows] = x[m × W.cols]·Wᵀ (+ bias). Row strides default to the dense widths.
    /// `bf16Arithmetic` false: bf16/f16 weights are multiplied in f32 (exact parity runs); only the
    /// avx512bf16 ISA has bf16 products, so elsewhere it changes nothing.
    public static func linear(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int? = nil, weight w: WeightMatrix,
                              bias: UnsafePointer<Float>? = nil, out: UnsafeMutablePointer<Float>, ldo: Int? = nil,
                              bf16Arithmetic: Bool = true, isa: KernelISA = .active) {
        let k = w.cols, n = w.rows
        let lda = ldx ?? k, ldc = ldo ?? n
        if m == 0 || n == 0 { return }
        switch (isa, w.element) {
        case (_, .q8_0) where m < gemvRows:
            for r in 0..<m { gemvQ8(x + r * lda, weight: w, bias: bias, out: out + r * ldc, isa: isa) }
        case (.portable, _):
            blasLinear(x, m: m, lda: lda, weight: w, bias: bias, out: out, ldc: ldc, isa: isa)
        case (.avx512bf16, .bf16) where bf16Arithmetic && m < gemvRows, (.avx512bf16, .f16) where bf16Arithmetic && m < gemvRows:
            for r in 0..<m { gemvAVX512(x + r * lda, weight: w, bias: bias, out: out + r * ldc) }
        case (_, _) where m < gemvRows:
            for r in 0..<m {
                let xr = x + r * lda, y = out + r * ldc
                gemvRowPieces(n) { rows in
                    ck_gemv_avx2(w.element.kernelCode, xr, Int32(k), w.base, Int32(k), Int32(rows.lowerBound),
                                 Int32(rows.upperBound), y, bias)
                }
            }
        default:
            guard let kernel = PackedGEMM.kernel(for: isa, bf16Products: bf16Arithmetic && w.element != .f32) else {
                preconditionFailure("every vector ISA has a packed GEMM kernel")
            }
            kernel.gemm(m: m, n: n, k: k, a: x, lda: lda, b: w.base, element: w.element, ldb: w.rowStride, scales: w.scales,
                        c: out, ldc: ldc, bias: bias)
        }
    }

    /// One row on AVX-512: bf16 weights against x rounded to bf16 (vdpbf16ps); f16 widened against f32 x.
    private static func gemvAVX512(_ x: UnsafePointer<Float>, weight w: WeightMatrix, bias: UnsafePointer<Float>?,
                                   out y: UnsafeMutablePointer<Float>) {
        let k = w.cols
        switch w.element {
        case .bf16:
            let xb = UnsafeMutablePointer<UInt16>.allocate(capacity: max(k, 1))
            defer { xb.deallocate() }
            BFloat16.convert(x, to: xb, count: k)
            let xbConst = UnsafePointer(xb)
            gemvRowPieces(w.rows) { rows in
                ck_gemv_bf16(xbConst, Int32(k), w.u16Pointer, Int32(k), Int32(rows.lowerBound), Int32(rows.upperBound), y, bias)
            }
        case .f16:
            gemvRowPieces(w.rows) { rows in
                ck_gemv_f16_avx512(x, Int32(k), w.u16Pointer, Int32(k), Int32(rows.lowerBound), Int32(rows.upperBound), y, bias)
            }
        case .f32, .q8_0:
            preconditionFailure("f32 weights take the AVX2 f32 kernels on avx512bf16, Q8_0 its own GEMV")
        }
    }

    /// One row against Q8_0 weights: x quantized per block of 32 (f32 scales), integer block dot products
    /// (AVX-512 VNNI, AVX2 vpmaddubsw, or plain C by `isa`), rows split over the kernel threads.
    private static func gemvQ8(_ x: UnsafePointer<Float>, weight w: WeightMatrix, bias: UnsafePointer<Float>?,
                               out y: UnsafeMutablePointer<Float>, isa: KernelISA) {
        guard let wd = w.scalePointer else { preconditionFailure("Q8_0 matrix without scales") }
        let k = w.cols, blocks = w.scaleBlocks
        let xq = UnsafeMutablePointer<Int8>.allocate(capacity: max(w.rowStride, 1))
        let xd = UnsafeMutablePointer<Float>.allocate(capacity: max(blocks, 1))
        defer { xq.deallocate(); xd.deallocate() }
        Q8Quantizer.quantizeActivations(x, count: k, values: xq, scales: xd)
        let q = UnsafePointer(xq), d = UnsafePointer(xd)
        gemvRowPieces(w.rows) { rows in
            ck_gemv_q8(isa.code, q, d, Int32(k), w.i8Pointer, wd, Int32(rows.lowerBound), Int32(rows.upperBound), y, bias)
        }
    }

    /// OpenBLAS; bf16/f16 weights widened to f32 in blocks of 64 rows first.
    private static func blasLinear(_ x: UnsafePointer<Float>, m: Int, lda: Int, weight w: WeightMatrix,
                                   bias: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>, ldc: Int, isa: KernelISA) {
        let k = w.cols, n = w.rows
        if w.element == .f32 {
            Parallel.chunks(n, granule: 16) { cols in
                sgemmColumns(x, m: m, lda: lda, w: w.f32Pointer + cols.lowerBound * k, k: k, cols: cols,
                             bias: bias, out: out, ldc: ldc)
            }
            return
        }
        let block = 64
        Parallel.chunks(n, granule: block) { cols in
            let scratch = FloatBuffer(count: block * k)
            var start = cols.lowerBound
            while start < cols.upperBound {
                let count = min(block, cols.upperBound - start)
                w.rowsAsFloat(start, count: count, into: scratch.pointer, isa: isa)
                sgemmColumns(x, m: m, lda: lda, w: scratch.pointer, k: k, cols: start..<(start + count),
                             bias: bias, out: out, ldc: ldc)
                start += count
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
}
