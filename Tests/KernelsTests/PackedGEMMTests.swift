import XCTest
@testable import Kernels

/// Every packed GEMM kernel this CPU runs (`PackedGEMM.available`: the bf16 and AVX-512F f32 kernels on
/// an AVX-512-BF16 machine even where the ISA's choice takes only one of them, the AVX2 one wherever
/// AVX2 exists), driven directly, against an f64 reference over exactly the operands it multiplies.
final class PackedGEMMTests: XCTestCase {
    private func name(_ kernel: PackedGEMM) -> String { "\(kernel.arithmetic) \(kernel.mr)x\(kernel.nr)" }

    /// Weight elements a kernel packs (the bf16 kernel has no f32 B).
    private func elements(_ kernel: PackedGEMM) -> [WeightElement] {
        kernel.arithmetic == .bf16 ? [.bf16, .f16] : [.f32, .bf16, .f16]
    }

    /// C = x·Wᵀ (+ bias) through `kernel.gemm`, W stored as `element` (values exactly representable).
    private func run(_ kernel: PackedGEMM, m: Int, n: Int, k: Int, element: WeightElement, x: [Float], w: [Float],
                     bias: [Float]?, parallel: Bool = true) -> [Float] {
        var out = [Float](repeating: .nan, count: m * n)
        func call(_ wp: UnsafeRawPointer) {
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    let c = op.baseAddress!
                    func go(_ b: UnsafePointer<Float>?) {
                        kernel.gemm(m: m, n: n, k: k, a: xp.baseAddress!, lda: k, b: wp, element: element, ldb: k, c: c, ldc: n,
                                    bias: b, parallel: parallel)
                    }
                    if let bias { bias.withUnsafeBufferPointer { go($0.baseAddress) } } else { go(nil) }
                }
            }
        }
        switch element {
        case .f32: w.withUnsafeBufferPointer { call(UnsafeRawPointer($0.baseAddress!)) }
        case .bf16: w.map(BFloat16.fromFloat).withUnsafeBufferPointer { call(UnsafeRawPointer($0.baseAddress!)) }
        case .f16: w.map { Float16($0).bitPattern }.withUnsafeBufferPointer { call(UnsafeRawPointer($0.baseAddress!)) }
        case .q8_0: preconditionFailure("Q8_0 has its own tests (Q8MatMulTests)")
        }
        return out
    }

    private func check(m: Int, n: Int, k: Int, bias: Bool) {
        for kernel in PackedGEMM.available {
            for element in elements(kernel) {
                var rng = SeededValues(seed: UInt64(m * 7919 + n * 31 + k))
                let x = rng.array(m * k)
                var w = rng.array(n * k)
                w = element == .f16 ? w.map { Float(Float16($0)) } : element == .bf16 ? bf16Round(w) : w
                let b = bias ? rng.array(n) : nil
                // bf16 products: x rounded to bf16, f16 weights packed as bf16.
                let xs = kernel.arithmetic == .bf16 ? bf16Round(x) : x
                let ws = kernel.arithmetic == .bf16 && element == .f16 ? bf16Round(w) : w
                let want = naiveLinear(xs, m: m, k: k, ws, n: n, bias: b)
                let got = run(kernel, m: m, n: n, k: k, element: element, x: x, w: w, bias: b, parallel: m % 2 == 0)
                let label = "\(name(kernel)) \(element) m\(m) n\(n) k\(k) bias \(bias)"
                XCTAssertFalse(got.contains { $0.isNaN }, "\(label): outputs left unwritten")
                XCTAssertLessThan(maxAbsDiff(got, want), Float(k).squareRoot() * 2e-6 + 1e-6, label)
            }
        }
    }

    func testEveryRowCountFrom1To17() {
        XCTAssertFalse(PackedGEMM.available.isEmpty && KernelISA.best != .portable, "no packed kernel on a vector ISA")
        for m in 1...17 { check(m: m, n: 45, k: 29, bias: m % 3 == 0) }
    }

    func testOddShapesAcrossPanelsAndKChunks() {
        // k: 1, odd, across the f32 chunks (512 AVX2, 768 AVX-512) and the bf16 chunk (768); n: under one
        // panel, a 16-tail beyond a 32-panel, not a multiple of 16; m: several row blocks (rowBlock 120–240).
        for (m, n, k) in [(3, 5, 1), (13, 49, 385), (25, 33, 769), (12, 64, 100), (250, 17, 70), (30, 100, 1030)] {
            check(m: m, n: n, k: k, bias: true)
            check(m: m, n: n, k: k, bias: false)
        }
    }

    /// An infinite weight reaches exactly its column; a NaN activation exactly its row.
    func testNaNAndInfinityPropagate() {
        let (m, n, k) = (14, 40, 50)
        for kernel in PackedGEMM.available {
            for element in elements(kernel) {
                var rng = SeededValues(seed: 5)
                var x = rng.array(m * k), w = bf16Round(rng.array(n * k))
                w[33 * k + 3] = .infinity
                x[13 * k + 11] = .nan
                let got = run(kernel, m: m, n: n, k: k, element: element, x: x, w: w, bias: rng.array(n))
                for r in 0..<m {
                    for c in 0..<n {
                        let v = got[r * n + c], label = "\(name(kernel)) \(element) row \(r) column \(c)"
                        if r == 13 { XCTAssertTrue(v.isNaN, label) } else { XCTAssertEqual(v.isFinite, c != 33, label) }
                    }
                }
            }
        }
    }

    /// The probe's choice on this CPU is said out loud (no assertion on which; only that it is coherent).
    func testBF16ProductChoiceIsCoherent() {
        let speed = PackedGEMM.bf16ProductSpeed
        if KernelISA.best == .avx512bf16 {
            XCTAssertGreaterThan(speed, 0.1, "vdpbf16ps timed implausibly slow")
            XCTAssertLessThan(speed, 10, "vdpbf16ps timed implausibly fast")
        } else {
            XCTAssertEqual(speed, 0)
            XCTAssertFalse(PackedGEMM.bf16ProductsPay)
        }
        let chosen = PackedGEMM.kernel(for: .avx512bf16, bf16Products: true)?.arithmetic
        XCTAssertEqual(chosen, PackedGEMM.bf16ProductsPay ? .bf16 : .f32AVX512)
        print(String(format: "[info] vdpbf16ps work rate %.2f× f32 zmm FMA; bf16 products %@", speed,
                     PackedGEMM.bf16ProductsPay ? "used" : "not used"))
    }
}
