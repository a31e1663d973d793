import Foundation
import XCTest
@testable import Kernels

/// Micro-benchmarks, run only with SCRAWL_KERNEL_BENCH=1 (numbers are printed, never asserted):
/// decode GEMV in GB/s of weights against the measured streaming-read bandwidth, and GEMM in GFLOP/s,
/// per kernel ISA and weight type.
///     SCRAWL_KERNEL_BENCH=1 swift test --skip-build --filter KernelBenchmarks
final class KernelBenchmarks: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SCRAWL_KERNEL_BENCH"] == "1", "set SCRAWL_KERNEL_BENCH=1")
    }

    private func seconds(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Weights of `element` as stored bytes (random small values). Q8_0: the bf16 values quantized.
    private func weights(_ count: Int, _ element: WeightElement) -> UnsafeMutableRawPointer {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * max(element.byteSize, 2), alignment: 64)
        var rng = SeededValues(seed: 1)
        let sample = rng.array(4096).map { $0 * 0.05 }
        switch element {
        case .f32:
            let p = raw.assumingMemoryBound(to: Float.self)
            for i in 0..<count { p[i] = sample[i & 4095] }
        case .bf16, .q8_0:
            let p = raw.assumingMemoryBound(to: UInt16.self)
            let s = sample.map(BFloat16.fromFloat)
            for i in 0..<count { p[i] = s[i & 4095] }
        case .f16:
            let p = raw.assumingMemoryBound(to: UInt16.self)
            let s = sample.map { Float16($0).bitPattern }
            for i in 0..<count { p[i] = s[i & 4095] }
        }
        return raw
    }

    /// An n × k matrix of `element` (Q8_0: quantized from bf16 into `keep`), memory owned by `keep`.
    private func matrix(_ n: Int, _ k: Int, _ element: WeightElement, keep: inout [UnsafeMutableRawPointer]) -> WeightMatrix {
        let raw = weights(n * k, element)
        keep.append(raw)
        guard element == .q8_0 else { return WeightMatrix(rows: n, cols: k, element: element, base: raw) }
        let source = WeightMatrix(rows: n, cols: k, element: .bf16, base: raw)
        let bytes = Q8Quantizer.byteCounts(rows: n, cols: k)
        let values = UnsafeMutableRawPointer.allocate(byteCount: bytes.values, alignment: 64)
        let scales = UnsafeMutableRawPointer.allocate(byteCount: bytes.scales, alignment: 64)
        keep += [values, scales]
        Q8Quantizer.quantize(source, values: values, scales: scales)
        return WeightMatrix(q8Rows: n, cols: k, values: values, scales: scales, owner: nil)
    }

    /// The bandwidth probe `scrawl bench` divides decode by, six times in a row: its spread on this machine.
    func testStreamingReadSpread() {
        let figures = (0..<6).map { _ in MemoryBandwidth.measure() / 1e9 }
        print("[bench] streaming read, six probes: " + figures.map { String(format: "%.1f", $0) }.joined(separator: " ")
              + " GB/s (\(Parallel.threadCount) threads)")
    }

    /// Every weight type on every ISA, interleaved (one pass of each, three rounds, best kept) so that
    /// other load on a shared machine hits them alike.
    func testDecodeGEMVBandwidth() {
        let bandwidth = MemoryBandwidth.measure()
        print(String(format: "[bench] streaming read: %.1f GB/s (%d threads)", bandwidth / 1e9, Parallel.threadCount))
        let x = FloatBuffer(SeededValues(seed: 2).arrayCopy(8960))
        let y = FloatBuffer(count: 8960)
        // Qwen2-VL-2B's MLP gate (8960 × 1536) and down (1536 × 8960) shapes, enough matrices to stream
        // ~768 MB (beyond the L3).
        for (n, k) in [(8960, 1536), (1536, 8960)] {
            var keep: [UnsafeMutableRawPointer] = []
            defer { keep.forEach { $0.deallocate() } }
            var runs: [(label: String, bytes: Int, run: () -> Void)] = []
            for element in [WeightElement.bf16, .f16, .f32, .q8_0] {
                let count = max(2, (768 << 20) / (n * k * element.byteSize))
                let stores = (0..<count).map { _ in matrix(n, k, element, keep: &keep) }
                for isa in KernelISA.available {
                    runs.append(("\(isa.rawValue) \(element.rawValue)", stores.reduce(0) { $0 + $1.storedBytes }, {
                        for w in stores { MatMul.linear(x.pointer, rows: 1, weight: w, out: y.pointer, isa: isa) }
                    }))
                }
            }
            runs.forEach { $0.run() }
            var best = [Double](repeating: .infinity, count: runs.count)
            for _ in 0..<3 {
                for (i, r) in runs.enumerated() { best[i] = min(best[i], seconds(r.run)) }
            }
            for (i, r) in runs.enumerated() {
                let rate = Double(r.bytes) / best[i]
                print(String(format: "[bench] GEMV %@ %dx%d: %.1f GB/s = %.0f%% of the streaming read (%.0f ms)", r.label,
                             n, k, rate / 1e9, rate / bandwidth * 100, best[i] * 1000))
            }
        }
    }

    func testGEMMThroughput() {
        // The vision tower's fc1 (5184 patches × 1280 → 5120) and a prefill MLP down projection.
        for (m, n, k) in [(5184, 5120, 1280), (1300, 1536, 8960)] {
            let a = FloatBuffer(count: m * k)
            var rng = SeededValues(seed: 3)
            let sample = rng.array(4096)
            for i in 0..<(m * k) { a[i] = sample[i & 4095] }
            let c = FloatBuffer(count: m * n)
            for element in [WeightElement.bf16, .f16, .f32, .q8_0] {
                var keep: [UnsafeMutableRawPointer] = []
                defer { keep.forEach { $0.deallocate() } }
                let w = matrix(n, k, element, keep: &keep)
                for isa in KernelISA.available {
                    let run = { MatMul.linear(a.pointer, rows: m, weight: w, out: c.pointer, isa: isa) }
                    run()
                    let t = (0..<2).map { _ in seconds(run) }.min()!
                    print(String(format: "[bench] GEMM %@ %@ %dx%dx%d: %.1f GFLOP/s (%.0f ms)", isa.rawValue, element.rawValue,
                                 m, n, k, 2 * Double(m) * Double(n) * Double(k) / t / 1e9, t * 1000))
                }
            }
        }
    }

    /// Every packed kernel this CPU runs, driven directly on bf16 weights, on the vision tower's and the
    /// prefill's GEMM shapes (m × n × k: 5184 patches of width 1280 → qkv 3840, proj 1280, fc1 5120, fc2
    /// back; 1320 prefill tokens of width 1536 → qkv 2048, MLP 8960 and back).
    func testModelShapesPerKernel() {
        let shapes = [(5184, 3840, 1280), (5184, 1280, 1280), (5184, 5120, 1280), (5184, 1280, 5120),
                      (1320, 2048, 1536), (1320, 8960, 1536), (1320, 1536, 8960)]
        let a = FloatBuffer(SeededValues(seed: 6).arrayCopy(5184 * 5120))
        let c = FloatBuffer(count: 5184 * 5120)
        for (m, n, k) in shapes {
            let w = weights(n * k, .bf16)
            defer { w.deallocate() }
            for kernel in PackedGEMM.available {
                let run = {
                    kernel.gemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: UnsafeRawPointer(w), element: .bf16, ldb: k, c: c.pointer,
                                ldc: n, bias: nil)
                }
                run()
                let t = (0..<2).map { _ in seconds(run) }.min()!
                print(String(format: "[bench] GEMM kernel %@ %dx%d %dx%dx%d bf16: %.1f GFLOP/s (%.0f ms)", "\(kernel.arithmetic)",
                             kernel.mr, kernel.nr, m, n, k, 2 * Double(m) * Double(n) * Double(k) / t / 1e9, t * 1000))
            }
        }
    }

    /// The vision tower's attention (16 heads × 5184 queries × 80, bidirectional) per ISA.
    func testVisionAttention() {
        let (tokens, heads, hd) = (5184, 16, 80)
        let qkv = FloatBuffer(SeededValues(seed: 7).arrayCopy(tokens * 3 * heads * hd))
        let out = FloatBuffer(count: tokens * heads * hd)
        for isa in KernelISA.available where isa != .portable {
            let run = {
                Attention.compute(q: qkv.pointer, qStride: 3 * heads * hd, k: qkv.pointer + heads * hd, kStride: 3 * heads * hd,
                                  v: qkv.pointer + 2 * heads * hd, vStride: 3 * heads * hd, queries: tokens, keys: tokens,
                                  layout: .init(heads: heads, kvHeads: heads, headDim: hd), scale: 1 / Float(hd).squareRoot(),
                                  causalOffset: nil, precision: .bf16, out: out.pointer, outStride: heads * hd, isa: isa)
            }
            run()
            let t = seconds(run)
            print(String(format: "[bench] attention %@ %d heads x %d x %d: %.1f GFLOP/s (%.0f ms)", isa.rawValue, heads, tokens, hd,
                         4 * Double(tokens) * Double(tokens) * Double(hd * heads) / t / 1e9, t * 1000))
        }
    }

    /// Cache blocking sweep for both packed kernels on the vision fc1 shape (how kcMax/rowBlock were chosen).
    func testGEMMBlockingSweep() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SCRAWL_KERNEL_SWEEP"] == "1", "set SCRAWL_KERNEL_SWEEP=1")
        let (m, n, k) = (2592, 5120, 1280)
        let a = FloatBuffer(SeededValues(seed: 4).arrayCopy(m * k))
        let c = FloatBuffer(count: m * n)
        let w = weights(n * k, .bf16)
        defer { w.deallocate() }
        var kernels: [(String, PackedGEMM)] = []
        if KernelISA.best == .avx512bf16 {
            for kc in [256, 512, 768, 1024] {
                for rb in [120, 240, 480] {
                    kernels.append(("bf16", PackedGEMM(arithmetic: .bf16, mr: PackedGEMM.bf16.mr, nr: PackedGEMM.bf16.nr,
                                                       kcMax: kc, rowBlock: rb)))
                }
            }
        }
        if KernelISA.best == .avx512bf16 {
            for kc in [192, 256, 384, 512, 768] {
                for rb in [120, 240, 480] {
                    kernels.append(("f32AVX512", PackedGEMM(arithmetic: .f32AVX512, mr: PackedGEMM.f32AVX512.mr,
                                                            nr: PackedGEMM.f32AVX512.nr, kcMax: kc, rowBlock: rb)))
                }
            }
        }
        for kc in [128, 256, 384, 512] {
            for rb in [60, 120, 240, 480] {
                kernels.append(("f32", PackedGEMM(arithmetic: .f32, mr: PackedGEMM.f32.mr, nr: PackedGEMM.f32.nr, kcMax: kc, rowBlock: rb)))
            }
        }
        for (name, kernel) in kernels {
            let run = {
                kernel.gemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: UnsafeRawPointer(w), element: .bf16, ldb: k, c: c.pointer,
                            ldc: n, bias: nil)
            }
            run()
            let t = (0..<2).map { _ in seconds(run) }.min()!
            print(String(format: "[sweep] %@ kc %d rowBlock %d: %.1f GFLOP/s", name, kernel.kcMax, kernel.rowBlock,
                         2 * Double(m) * Double(n) * Double(k) / t / 1e9))
        }
    }
}
