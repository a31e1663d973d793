import CKernels
import Foundation

/// A packed-panel GEMM kernel `C = A·Bᵀ`: its register tile, how A (f32 activations) and B (stored
/// weights, or keys/values) are packed, the k chunk and row block it is tuned for, and the micro-kernel
/// driver. MatMul and Attention drive every kernel through this one description.
public struct PackedGEMM: Sendable {
    public enum Arithmetic: Sendable {
        /// AVX-512 BF16: operands rounded to bf16, f32 accumulation; k packed in pairs.
        case bf16
        /// AVX2 + FMA: f32 operands (B widened while packing), 6×16 ymm tile.
        case f32
        /// AVX-512F: f32 operands (B widened while packing), 12×32 zmm tile.
        case f32AVX512
    }

    public let arithmetic: Arithmetic
    /// Rows of A per panel, columns of B per panel (the micro-kernel's tile).
    public let mr: Int
    public let nr: Int
    /// k values per packed chunk (A chunk in L2/L3, B panels in L1/L2); a multiple of 2.
    public let kcMax: Int
    /// Rows of packed A per block while B panels stream (a multiple of `mr`).
    public let rowBlock: Int

    // Blocking measured on the development machine (Intel Xeon, Emerald Rapids class, 2 cores, 48 KB L1d,
    // 2 MB L2; KernelBenchmarks.testGEMMBlockingSweep on 2592×5120×1280): bf16 kc 768 ≈ kc 1024 (142 GFLOP/s)
    // > 512 (136) > 256 (138–126), row block 120–480 within noise; f32 kc 512 / 120 rows 128 GFLOP/s,
    // kc 384 ≈ 125, kc 256 ≈ 123, kc 128 ≈ 93.
    /// AVX-512 BF16 12×32 (vdpbf16ps): B panel 32 columns × 384 pairs = 48 KB.
    public static let bf16 = PackedGEMM(arithmetic: .bf16, mr: Int(CK_MR), nr: Int(CK_NR), kcMax: 768, rowBlock: 240)
    /// AVX2 6×16 f32 FMA: B panel 16 columns × 512 = 32 KB, A panel 12 KB (both in L1 together).
    public static let f32 = PackedGEMM(arithmetic: .f32, mr: Int(CK_F32_MR), nr: Int(CK_F32_NR), kcMax: 512, rowBlock: 120)

    /// AVX-512F 12×32 f32 FMA: B panel 32 columns × 768 = 96 KB (L2), A panel 36 KB. Sweep on 2592×5120×1280
    /// (same machine, noisy sitting): kc 768 252–257 GFLOP/s at every row block, kc 512 209–266, kc 384
    /// 211–219, kc 256 183–221, kc 192 198–235 (the bf16 kernel 136–159 in the same run).
    public static let f32AVX512 = PackedGEMM(arithmetic: .f32AVX512, mr: Int(CK_F32Z_MR), nr: Int(CK_F32Z_NR), kcMax: 768,
                                             rowBlock: 120)

    /// The kernel an ISA uses for a given arithmetic (nil on `portable`, which uses OpenBLAS). On
    /// avx512bf16, bf16 products only where `bf16ProductsPay`; otherwise (and for f32 arithmetic) the
    /// AVX-512F f32 kernel, whose results are the f32 ones up to summation order.
    public static func kernel(for isa: KernelISA, bf16Products: Bool) -> PackedGEMM? {
        switch isa {
        case .avx512bf16: return bf16Products && bf16ProductsPay ? .bf16 : .f32AVX512
        case .avx2: return .f32
        case .portable: return nil
        }
    }

    /// Every packed kernel this CPU runs (tests, benchmarks).
    public static var available: [PackedGEMM] { KernelISA.best == .avx512bf16 ? [.bf16, .f32AVX512, .f32] : KernelISA.best == .avx2 ? [.f32] : [] }

    /// The environment variable that forces (1) or forbids (0) bf16 products on avx512bf16.
    public static let bf16ProductsKey = "SCRAWL_BF16_PRODUCTS"

    /// Whether bf16 products (vdpbf16ps) beat f32 zmm FMAs on this CPU: measured once (a ~1 ms loop of
    /// each; on Intel Sapphire/Emerald Rapids vdpbf16ps issues once per two cycles and does 0.5× the
    /// FMAs' work, on CPUs that run it at full rate 2×), overridden by SCRAWL_BF16_PRODUCTS=1 or 0.
    public static let bf16ProductsPay: Bool = {
        switch ProcessInfo.processInfo.environment[bf16ProductsKey] {
        case "1": return KernelISA.best == .avx512bf16
        case "0": return false
        default: return bf16ProductSpeed > 1.2
        }
    }()

    /// One line for `scrawl bench`: the kernel 16-bit weights' GEMMs use on the active ISA and why.
    public static var report: String {
        guard let kernel = kernel(for: .active, bf16Products: true) else { return "OpenBLAS (portable)" }
        let name = switch kernel.arithmetic {
        case .bf16: "bf16 vdpbf16ps"
        case .f32AVX512: "f32 AVX-512F"
        case .f32: "f32 AVX2"
        }
        let why = KernelISA.active == .avx512bf16
            ? String(format: "; vdpbf16ps %.2f× the f32 zmm FMA rate%@", bf16ProductSpeed,
                     ProcessInfo.processInfo.environment[bf16ProductsKey].map { ", \(bf16ProductsKey)=\($0)" } ?? "")
            : ""
        return "\(name) \(kernel.mr)x\(kernel.nr), kc \(kernel.kcMax)\(why)"
    }

    /// vdpbf16ps work per second relative to f32 zmm FMAs (0 without AVX-512 BF16), measured at first use.
    public static let bf16ProductSpeed: Double = ck_bf16_dot_relative_speed()

    /// Packed units along k for `kc` values (bf16: pairs).
    @inline(__always) func units(_ kc: Int) -> Int32 { Int32(arithmetic == .bf16 ? (kc + 1) / 2 : kc) }

    /// 4-byte words of a packed A buffer for `m` rows and `kc` k values.
    public func aWords(m: Int, kc: Int) -> Int {
        switch arithmetic {
        case .bf16: return ck_packed_a_words(Int32(m), units(kc))
        case .f32: return ck_f32_packed_a_floats(Int32(m), units(kc))
        case .f32AVX512: return ck_f32z_packed_a_floats(Int32(m), units(kc))
        }
    }

    /// 4-byte words of a packed B buffer for `n` columns and `kc` k values.
    public func bWords(n: Int, kc: Int) -> Int {
        switch arithmetic {
        case .bf16: return ck_packed_b_words(Int32(n), units(kc))
        case .f32: return ck_f32_packed_b_floats(Int32(n), units(kc))
        case .f32AVX512: return ck_f32z_packed_b_floats(Int32(n), units(kc))
        }
    }

    /// Packs rows [m0, m1) of A (f32, stride lda), k in [k0, k0 + kc) clipped at kEnd; m0 a multiple of mr.
    public func packA(_ a: UnsafePointer<Float>, lda: Int, rows m0: Int, to m1: Int, k0: Int, kc: Int, kEnd: Int,
                      into packed: UnsafeMutableRawPointer) {
        switch arithmetic {
        case .bf16:
            ck_pack_a(a, Int32(lda), Int32(m0), Int32(m1), Int32(k0), units(kc), Int32(kEnd), packed.assumingMemoryBound(to: UInt32.self))
        case .f32:
            ck_f32_pack_a(a, Int32(lda), Int32(m0), Int32(m1), Int32(k0), units(kc), Int32(kEnd), packed.assumingMemoryBound(to: Float.self))
        case .f32AVX512:
            ck_f32z_pack_a(a, Int32(lda), Int32(m0), Int32(m1), Int32(k0), units(kc), Int32(kEnd), packed.assumingMemoryBound(to: Float.self))
        }
    }

    /// Packs B rows [0, n) (`element`, row stride ldb) for k in [k0, k0 + kc) clipped at kEnd.
    /// bf16 arithmetic takes bf16 or f16 B; f32 arithmetic takes any element.
    /// Q8_0 B: `b` the int8 values (ldb = the padded row width), `scales` its f16 block scales.
    public func packB(_ b: UnsafeRawPointer, element: WeightElement, ldb: Int, scales: UnsafeRawPointer? = nil, columns n: Int,
                      k0: Int, kc: Int, kEnd: Int, into packed: UnsafeMutableRawPointer) {
        if element == .q8_0 {
            guard let scales else { preconditionFailure("Q8_0 B without scales") }
            precondition(k0 % Int(CK_Q8_BLOCK) == 0, "Q8_0 B is packed from whole blocks (k0 a multiple of 32)")
            let q = b.assumingMemoryBound(to: Int8.self), d = scales.assumingMemoryBound(to: UInt16.self)
            switch arithmetic {
            case .bf16:
                ck_pack_b_q8(q, d, Int32(ldb), Int32(n), Int32(k0), units(kc), Int32(kEnd), packed.assumingMemoryBound(to: UInt32.self))
            case .f32:
                ck_f32_pack_b_q8(q, d, Int32(ldb), Int32(n), Int32(k0), units(kc), Int32(kEnd), packed.assumingMemoryBound(to: Float.self))
            case .f32AVX512:
                ck_f32z_pack_b_q8(q, d, Int32(ldb), Int32(n), Int32(k0), units(kc), Int32(kEnd), packed.assumingMemoryBound(to: Float.self))
            }
            return
        }
        switch arithmetic {
        case .bf16:
            let src = b.assumingMemoryBound(to: UInt16.self), dst = packed.assumingMemoryBound(to: UInt32.self)
            switch element {
            case .bf16: ck_pack_b(src, Int32(ldb), Int32(n), Int32(k0), units(kc), Int32(kEnd), dst)
            case .f16: ck_pack_b_f16(src, Int32(ldb), Int32(n), Int32(k0), units(kc), Int32(kEnd), dst)
            case .f32, .q8_0: preconditionFailure("PackedGEMM.bf16 packs bf16, f16 or Q8_0 B; convert f32 B first")
            }
        case .f32:
            ck_f32_pack_b(element.kernelCode, b, Int32(ldb), Int32(n), Int32(k0), units(kc), Int32(kEnd),
                          packed.assumingMemoryBound(to: Float.self))
        case .f32AVX512:
            ck_f32z_pack_b(element.kernelCode, b, Int32(ldb), Int32(n), Int32(k0), units(kc), Int32(kEnd),
                           packed.assumingMemoryBound(to: Float.self))
        }
    }

    /// C[0..<m, n0..<n1] (= or +=) A·Bᵀ (+ bias when storing) over `kc` packed k values; B packed with
    /// `panelKc` (≥ kc); n0 a multiple of nr.
    public func multiply(m: Int, kc: Int, a: UnsafeRawPointer, b: UnsafeRawPointer, panelKc: Int, columns n0: Int, to n1: Int,
                         c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, accumulate: Bool) {
        switch arithmetic {
        case .bf16:
            ck_gemm_bf16_prepacked(Int32(m), units(kc), a.assumingMemoryBound(to: UInt32.self), b.assumingMemoryBound(to: UInt32.self),
                                   units(panelKc), Int32(n0), Int32(n1), c, Int32(ldc), bias, accumulate ? 1 : 0)
        case .f32:
            ck_gemm_f32_prepacked(Int32(m), units(kc), a.assumingMemoryBound(to: Float.self), b.assumingMemoryBound(to: Float.self),
                                  units(panelKc), Int32(n0), Int32(n1), c, Int32(ldc), bias, accumulate ? 1 : 0)
        case .f32AVX512:
            ck_gemm_f32z_prepacked(Int32(m), units(kc), a.assumingMemoryBound(to: Float.self), b.assumingMemoryBound(to: Float.self),
                                   units(panelKc), Int32(n0), Int32(n1), c, Int32(ldc), bias, accumulate ? 1 : 0)
        }
    }

    /// C[m×n] = A[m×k]·B[n×k]ᵀ (+ bias), A f32 (stride lda), B `element` (stride ldb). Per k chunk: A is
    /// packed once (shared, split by panels), each thread packs its own B columns once, then walks A in
    /// row blocks (GotoBLAS order: A block in L2, B panels streaming). `parallel`: over the
    /// `Parallel.threadCount` threads, split by columns.
    /// Q8_0 B: ldb is the padded row width and `scales` the f16 block scales ([n][ldb/32]).
    public func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafeRawPointer, element: WeightElement,
                     ldb: Int, scales: UnsafeRawPointer? = nil, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                     parallel: Bool = true) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for r in 0..<m {
                if let bias { (c + r * ldc).update(from: bias, count: n) } else { (c + r * ldc).update(repeating: 0, count: n) }
            }
            return
        }
        let kc = min(kcMax, k)
        let panels = (m + mr - 1) / mr
        let packedA = UnsafeMutableRawPointer.allocate(byteCount: aWords(m: m, kc: kc) * 4, alignment: 64)
        defer { packedA.deallocate() }
        let threads = parallel ? Parallel.threadCount : 1
        let nRanges = Parallel.ranges(n, parts: threads, granule: nr)
        let widest = nRanges.map(\.count).max() ?? 0
        let bWords = self.bWords(n: widest, kc: kc)
        let packedB = UnsafeMutableRawPointer.allocate(byteCount: max(bWords, 1) * 4 * max(nRanges.count, 1), alignment: 64)
        defer { packedB.deallocate() }
        let esize = element.byteSize
        let kernel = self
        var k0 = 0
        repeat {
            let chunk = min(kc, k - k0)
            let panelRanges = Parallel.ranges(panels, parts: threads)
            Parallel.forEach(panelRanges.count) { i in
                let r = panelRanges[i]
                kernel.packA(a, lda: lda, rows: r.lowerBound * kernel.mr, to: min(m, r.upperBound * kernel.mr), k0: k0, kc: chunk,
                             kEnd: k, into: packedA)
            }
            Parallel.forEach(nRanges.count) { i in
                let cols = nRanges[i]
                let pb = packedB + i * bWords * 4
                kernel.packB(b + cols.lowerBound * ldb * esize, element: element, ldb: ldb,
                             scales: scales.map { $0 + cols.lowerBound * (ldb / Int(CK_Q8_BLOCK)) * 2 }, columns: cols.count,
                             k0: k0, kc: chunk, kEnd: k, into: pb)
                var row = 0
                while row < m {
                    let rows = min(kernel.rowBlock, m - row)
                    kernel.multiply(m: rows, kc: chunk, a: packedA + kernel.aWords(m: row, kc: chunk) * 4, b: pb, panelKc: chunk,
                                    columns: 0, to: cols.count, c: c + row * ldc + cols.lowerBound, ldc: ldc,
                                    bias: bias.map { $0 + cols.lowerBound }, accumulate: k0 > 0)
                    row += rows
                }
            }
            k0 += chunk
        } while k0 < k
    }
}

extension WeightElement {
    /// The C kernels' element code (CK_ELEM_*).
    public var kernelCode: Int32 {
        switch self {
        case .f32: return CK_ELEM_F32
        case .bf16: return CK_ELEM_BF16
        case .f16: return CK_ELEM_F16
        case .q8_0: return CK_ELEM_Q8
        }
    }
}
