import XCTest
@testable import Kernels

/// `MatMul.linear` on every kernel ISA this machine runs, every weight type and both arithmetics, against
/// an f64 reference over exactly the operands each kernel multiplies.
final class MatMulTests: XCTestCase {
    struct Problem {
        let m: Int, n: Int, k: Int
        let x: [Float]
        let w: [Float]  // the weights as stored (exactly representable in the element type)
        let bias: [Float]?
    }

    private func problem(m: Int, n: Int, k: Int, element: WeightElement, bias: Bool) -> Problem {
        var rng = SeededValues(seed: UInt64(m * 1_000_003 + n * 1009 + k))
        let x = rng.array(m * k)
        var w = rng.array(n * k)
        switch element {
        case .f32: break
        case .bf16: w = bf16Round(w)
        case .f16: w = w.map { Float(Float16($0)) }
        case .q8_0: preconditionFailure("Q8_0 has its own tests (Q8MatMulTests)")
        }
        return Problem(m: m, n: n, k: k, x: x, w: w, bias: bias ? rng.array(n) : nil)
    }

    private func stored(_ w: [Float], _ element: WeightElement) -> [UInt16] {
        element == .bf16 ? w.map(BFloat16.fromFloat) : w.map { Float16($0).bitPattern }
    }

    /// The operands the kernel multiplies: bf16 products round x (GEMM and the bf16 GEMV) and f16 weights
    /// (packed as bf16); the f16 GEMV keeps x in f32.
    private func operands(_ p: Problem, element: WeightElement, isa: KernelISA, bf16: Bool) -> (x: [Float], w: [Float]) {
        guard isa.hasBF16DotProduct && bf16 && element != .f32 else { return (p.x, p.w) }
        if p.m < MatMul.gemvRows { return element == .f16 ? (p.x, p.w) : (bf16Round(p.x), p.w) }
        // GEMM: bf16 products only where the ISA's kernel choice takes them (PackedGEMM.bf16ProductsPay).
        guard PackedGEMM.kernel(for: isa, bf16Products: true)?.arithmetic == .bf16 else { return (p.x, p.w) }
        return (bf16Round(p.x), element == .f16 ? bf16Round(p.w) : p.w)
    }

    private func linear(_ p: Problem, element: WeightElement, isa: KernelISA, bf16: Bool, x: [Float]? = nil) -> [Float] {
        var out = [Float](repeating: .nan, count: p.m * p.n)
        let xs = x ?? p.x
        func call(_ wp: UnsafeRawPointer) {
            let matrix = WeightMatrix(rows: p.n, cols: p.k, element: element, base: wp)
            xs.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    if let bias = p.bias {
                        bias.withUnsafeBufferPointer { bp in
                            MatMul.linear(xp.baseAddress!, rows: p.m, weight: matrix, bias: bp.baseAddress, out: op.baseAddress!,
                                          bf16Arithmetic: bf16, isa: isa)
                        }
                    } else {
                        MatMul.linear(xp.baseAddress!, rows: p.m, weight: matrix, out: op.baseAddress!, bf16Arithmetic: bf16, isa: isa)
                    }
                }
            }
        }
        if element == .f32 {
            p.w.withUnsafeBufferPointer { call(UnsafeRawPointer($0.baseAddress!)) }
        } else {
            stored(p.w, element).withUnsafeBufferPointer { call(UnsafeRawPointer($0.baseAddress!)) }
        }
        return out
    }

    private func checkAllPaths(m: Int, n: Int, k: Int, bias: Bool) {
        for element in [WeightElement.f32, .bf16, .f16] {
            let p = problem(m: m, n: n, k: k, element: element, bias: bias)
            var references: [String: [Float]] = [:]
            for isa in KernelISA.available {
                for bf16 in [true, false] {
                    let ops = operands(p, element: element, isa: isa, bf16: bf16)
                    let key = "\(ops.x == p.x) \(ops.w == p.w)"
                    let want = references[key] ?? naiveLinear(ops.x, m: m, k: k, ops.w, n: n, bias: p.bias)
                    references[key] = want
                    let got = linear(p, element: element, isa: isa, bf16: bf16)
                    let tol = Float(k).squareRoot() * 2e-6 + 1e-6
                    let label = "\(isa) \(element) bf16Arithmetic \(bf16) m\(m) n\(n) k\(k) bias \(bias)"
                    XCTAssertFalse(got.contains { $0.isNaN }, "\(label): outputs left unwritten")
                    XCTAssertLessThan(maxAbsDiff(got, want), tol, label)
                }
            }
        }
    }

    func testEveryRowCountFrom1To17() {
        for m in 1...17 { checkAllPaths(m: m, n: 37, k: 45, bias: m % 2 == 0) }
    }

    func testOddShapesAcrossPanelsAndKChunks() {
        // k: under one vector, odd, over 256, over the f32 chunk (512) and the bf16 chunk (768);
        // n: under one panel, not a multiple of 16 or 32, tails on either side of a half panel. The GEMV
        // takes a piece's rows four at a time, a quarter of the piece apart, its last 0–3 rows one at a
        // time: long rows (k 4133, 2053), short ones, k tails, and n 1003 (a last piece of 123 rows: four
        // streams of 30, then 3).
        for (m, n, k) in [(5, 5, 1), (7, 61, 7), (13, 100, 257), (9, 40, 513), (25, 46, 801), (4, 33, 3), (6, 17, 1537), (12, 96, 64), (130, 49, 300),
                          (1, 21, 4133), (2, 19, 2053), (1, 9, 31), (1, 1003, 77)] {
            checkAllPaths(m: m, n: n, k: k, bias: true)
            checkAllPaths(m: m, n: n, k: k, bias: false)
        }
    }

    func testNaNAndInfinityPropagate() {
        for element in [WeightElement.f32, .bf16, .f16] {
            for m in [1, 9] {
                var p = problem(m: m, n: 40, k: 50, element: element, bias: true)
                var w = p.w
                w[7 * 50 + 3] = .infinity  // column 7 sees an infinite weight
                p = Problem(m: m, n: 40, k: 50, x: p.x, w: w, bias: p.bias)
                var x = p.x
                x[(m - 1) * 50 + 11] = .nan  // the last row sees a NaN activation
                for isa in KernelISA.available {
                    for bf16 in [true, false] {
                        let got = linear(p, element: element, isa: isa, bf16: bf16, x: x)
                        let label = "\(isa) \(element) bf16Arithmetic \(bf16) m\(m)"
                        for c in 0..<40 { XCTAssertTrue(got[(m - 1) * 40 + c].isNaN, "\(label): NaN row, column \(c)") }
                        for r in 0..<(m - 1) {
                            for c in 0..<40 {
                                XCTAssertEqual(got[r * 40 + c].isFinite, c != 7, "\(label): row \(r) column \(c)")
                            }
                        }
                    }
                }
            }
        }
    }

    func testBF16ConversionRoundsToNearestEven() {
        XCTAssertEqual(BFloat16.fromFloat(1.0), 0x3f80)
        XCTAssertEqual(BFloat16.fromFloat(Float(bitPattern: 0x3f80_8000)), 0x3f80) // tie → even
        XCTAssertEqual(BFloat16.fromFloat(Float(bitPattern: 0x3f81_8000)), 0x3f82) // tie → even (up)
        XCTAssertEqual(BFloat16.fromFloat(Float(bitPattern: 0x3f80_8001)), 0x3f81)
        XCTAssertTrue(BFloat16.toFloat(BFloat16.fromFloat(.nan)).isNaN)
        var dst = [UInt16](repeating: 0, count: 3)
        [Float(1.0), -2.5, Float(bitPattern: 0x3f81_8000)].withUnsafeBufferPointer { src in
            dst.withUnsafeMutableBufferPointer { BFloat16.convert(src.baseAddress!, to: $0.baseAddress!, count: 3) }
        }
        XCTAssertEqual(dst, [0x3f80, 0xc020, 0x3f82])
    }

    /// Every one of the 65536 half values, on every ISA, bit for bit as Swift's Float16 widens it (NaN as NaN).
    func testF16ConversionIsExactForEveryValue() {
        let bits = (0...UInt16.max).map { $0 }
        for isa in KernelISA.available {
            var out = [Float](repeating: 0, count: bits.count)
            // An odd count exercises the vector loop's tail.
            bits.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { Float16Bits.convert(src.baseAddress!, to: $0.baseAddress!, count: bits.count - 3, isa: isa) }
            }
            for h in bits.dropLast(3) {
                let want = Float(Float16(bitPattern: h)), got = out[Int(h)]
                if want.isNaN { XCTAssertTrue(got.isNaN, "\(isa) 0x\(String(h, radix: 16))") } else {
                    XCTAssertEqual(got.bitPattern, want.bitPattern, "\(isa) 0x\(String(h, radix: 16))")
                }
            }
            XCTAssertEqual(out[bits.count - 1], 0, "\(isa) wrote past count")
        }
        XCTAssertEqual(Float16Bits.toFloat(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(Float16Bits.toFloat(0x7c00), .infinity)
    }

    func testF16RowsAsFloatMatchesEveryISA() {
        let values = SeededValues(seed: 9).arrayCopy(1000).map { Float16($0 * 100) }
        let bits = values.map(\.bitPattern)
        bits.withUnsafeBufferPointer { wp in
            let matrix = WeightMatrix(rows: 10, cols: 100, element: .f16, base: UnsafeRawPointer(wp.baseAddress!))
            for isa in KernelISA.available {
                var out = [Float](repeating: .nan, count: 300)
                out.withUnsafeMutableBufferPointer { matrix.rowsAsFloat(3, count: 3, into: $0.baseAddress!, isa: isa) }
                XCTAssertEqual(out, values[300..<600].map(Float.init), "\(isa)")
            }
        }
    }

    func testParallelRangesCoverEverythingOnce() {
        let parts = Parallel.ranges(100, parts: 3, granule: 32)
        XCTAssertEqual(parts.first?.lowerBound, 0)
        XCTAssertEqual(parts.last?.upperBound, 100)
        for (a, b) in zip(parts, parts.dropFirst()) {
            XCTAssertEqual(a.upperBound, b.lowerBound)
            XCTAssertEqual(a.upperBound % 32, 0)
        }
    }
}
