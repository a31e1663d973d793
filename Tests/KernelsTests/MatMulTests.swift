import XCTest
@testable import Kernels

final class MatMulTests: XCTestCase {
    private func run(m: Int, n: Int, k: Int, element: WeightElement, bias: Bool) -> (got: [Float], want: [Float]) {
        var rng = SeededValues(seed: UInt64(m * 1_000_003 + n * 1009 + k))
        let x = rng.array(m * k)
        let w = rng.array(n * k)
        let b = bias ? rng.array(n) : nil
        var out = [Float](repeating: .nan, count: m * n)
        let want: [Float]
        switch element {
        case .f32:
            want = naiveLinear(x, m: m, k: k, w, n: n, bias: b)
            w.withUnsafeBufferPointer { wp in
                let matrix = WeightMatrix(rows: n, cols: k, f32: wp.baseAddress!)
                callLinear(x, m, matrix, b, &out)
            }
        case .bf16, .f16:
            let bits = w.map(BFloat16.fromFloat)
            // The bf16 kernels round activations to bf16 as well (as the reference does in bf16).
            let xr = BFloat16.hasNativeDotProduct ? bf16Round(x) : x
            want = naiveLinear(xr, m: m, k: k, bf16Round(w), n: n, bias: b)
            bits.withUnsafeBufferPointer { wp in
                let matrix = WeightMatrix(rows: n, cols: k, element: .bf16, base: UnsafeRawPointer(wp.baseAddress!))
                callLinear(x, m, matrix, b, &out)
            }
        }
        return (out, want)
    }

    private func callLinear(_ x: [Float], _ m: Int, _ w: WeightMatrix, _ bias: [Float]?, _ out: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                if let bias {
                    bias.withUnsafeBufferPointer { bp in
                        MatMul.linear(xp.baseAddress!, rows: m, weight: w, bias: bp.baseAddress, out: op.baseAddress!)
                    }
                } else {
                    MatMul.linear(xp.baseAddress!, rows: m, weight: w, out: op.baseAddress!)
                }
            }
        }
    }

    func testF32LinearMatchesNaive() {
        for (m, n, k) in [(1, 37, 29), (5, 70, 33), (17, 64, 128)] {
            let r = run(m: m, n: n, k: k, element: .f32, bias: true)
            XCTAssertLessThan(maxAbsDiff(r.got, r.want), 1e-4, "f32 \(m)x\(n)x\(k)")
        }
    }

    func testBF16GEMVAndGEMMMatchNaive() {
        // Odd sizes exercise every tail: rows < 12, columns < 32, odd k, k over one packed chunk.
        for (m, n, k) in [(1, 37, 29), (2, 100, 64), (3, 5, 1), (4, 33, 7), (13, 37, 801), (25, 64, 1537), (12, 96, 64)] {
            for bias in [false, true] {
                let r = run(m: m, n: n, k: k, element: .bf16, bias: bias)
                let tol = Float(k).squareRoot() * 1e-5
                XCTAssertLessThan(maxAbsDiff(r.got, r.want), tol, "bf16 \(m)x\(n)x\(k) bias \(bias)")
                XCTAssertFalse(r.got.contains { $0.isNaN }, "bf16 \(m)x\(n)x\(k) left unwritten outputs")
            }
        }
    }

    func testF16WeightsAreWidenedExactly() {
        let (m, n, k) = (3, 70, 20)
        var rng = SeededValues(seed: 5)
        let x = rng.array(m * k)
        let w = rng.array(n * k).map { Float(Float16($0)) }  // exactly representable in f16
        let bits = w.map { Float16($0).bitPattern }
        let want = naiveLinear(x, m: m, k: k, w, n: n, bias: nil)
        var out = [Float](repeating: .nan, count: m * n)
        bits.withUnsafeBufferPointer { wp in
            callLinear(x, m, WeightMatrix(rows: n, cols: k, element: .f16, base: UnsafeRawPointer(wp.baseAddress!)), nil, &out)
        }
        XCTAssertLessThan(maxAbsDiff(out, want), 1e-4)
    }

    func testBF16WithFloat32ArithmeticMatchesWidenedWeights() {
        let (m, n, k) = (5, 40, 33)
        var rng = SeededValues(seed: 6)
        let x = rng.array(m * k)
        let bits = rng.array(n * k).map(BFloat16.fromFloat)
        let want = naiveLinear(x, m: m, k: k, bits.map(BFloat16.toFloat), n: n, bias: nil)
        var out = [Float](repeating: .nan, count: m * n)
        x.withUnsafeBufferPointer { xp in
            bits.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    MatMul.linear(xp.baseAddress!, rows: m, weight: WeightMatrix(rows: n, cols: k, element: .bf16, base: UnsafeRawPointer(wp.baseAddress!)),
                                  out: op.baseAddress!, bf16Arithmetic: false)
                }
            }
        }
        XCTAssertLessThan(maxAbsDiff(out, want), 1e-5)
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

    func testF16Conversion() {
        XCTAssertEqual(Float16Bits.toFloat(0x3c00), 1.0)
        XCTAssertEqual(Float16Bits.toFloat(0xc000), -2.0)
        XCTAssertEqual(Float16Bits.toFloat(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(Float16Bits.toFloat(0x7c00), .infinity)
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
