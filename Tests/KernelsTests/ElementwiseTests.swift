import XCTest
@testable import Kernels

/// Softmax and activations on every kernel ISA: against f64, every tail length, NaN and ±Inf.
final class ElementwiseTests: XCTestCase {
    func testSoftmaxMatchesF64OnEveryWidth() {
        for isa in KernelISA.available {
            for n in 1...41 {
                var rng = SeededValues(seed: UInt64(n))
                var x = rng.array(2 * n).map { $0 * 30 }
                x[n + n / 2] = -.infinity  // a masked score in the second row
                let want = (0..<2).flatMap { r -> [Float] in
                    let row = x[(r * n)..<((r + 1) * n)].map(Double.init)
                    let m = row.max()!
                    let e = row.map { Foundation.exp($0 - m) }
                    let z = e.reduce(0, +)
                    return e.map { Float($0 / z) }
                }
                x.withUnsafeMutableBufferPointer { Softmax.rows($0.baseAddress!, rows: 2, width: n, isa: isa) }
                XCTAssertLessThan(maxAbsDiff(x, want), 2e-6, "\(isa) n\(n)")
                XCTAssertEqual(x[n + n / 2], 0, "\(isa) n\(n): a −inf score has probability exactly 0")
            }
        }
    }

    func testSoftmaxSpecialRows() {
        for isa in KernelISA.available {
            let n = 21
            var x = [Float](repeating: -.infinity, count: 3 * n)  // row 0: all −inf
            for i in 0..<n { x[n + i] = Float(i); x[2 * n + i] = Float(i) }
            x[n + 17] = .nan       // row 1: a NaN
            x[2 * n + 3] = .infinity  // row 2: +inf (inf − inf is NaN, as in torch)
            x.withUnsafeMutableBufferPointer { Softmax.rows($0.baseAddress!, rows: 3, width: n, isa: isa) }
            XCTAssertEqual(Array(x[0..<n]), [Float](repeating: 0, count: n), "\(isa): all −inf row")
            XCTAssertTrue(x[n..<(2 * n)].allSatisfy(\.isNaN), "\(isa): NaN row")
            XCTAssertTrue(x[(2 * n)...].contains { $0.isNaN }, "\(isa): +inf row")
        }
    }

    func testActivationsMatchF64AndPropagateNaN() {
        for isa in KernelISA.available {
            let count = 203  // every tail length of the 8- and 16-wide loops
            var base: [Float] = (0..<count).map { Float($0 - 101) / 8 }
            base[5] = .nan
            base[6] = .infinity
            base[7] = -100
            let up: [Float] = (0..<count).map { Float($0 % 7) - 3 }
            func sig(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
            func compare(_ got: [Float], _ want: [Double], _ label: String) {
                for i in 0..<count {
                    if want[i].isNaN { XCTAssertTrue(got[i].isNaN, "\(isa) \(label) [\(i)]"); continue }
                    if want[i].isInfinite { XCTAssertEqual(Double(got[i]), want[i], "\(isa) \(label) [\(i)]"); continue }
                    XCTAssertEqual(Double(got[i]), want[i], accuracy: 2e-6 * max(1, abs(want[i])), "\(isa) \(label) [\(i)]")
                }
            }
            var g = base
            g.withUnsafeMutableBufferPointer { Activations.quickGELU($0.baseAddress!, count: count, isa: isa) }
            compare(g, base.map { let x = Double($0); return x.isInfinite ? x : x * sig(1.702 * x) }, "quickGELU")
            var s = base
            s.withUnsafeMutableBufferPointer { Activations.silu($0.baseAddress!, count: count, isa: isa) }
            compare(s, base.map { let x = Double($0); return x.isInfinite ? x : x * sig(x) }, "silu")
            var m = base
            m.withUnsafeMutableBufferPointer { Activations.siluMul($0.baseAddress!, up, count: count, isa: isa) }
            compare(m, zip(base, up).map { let x = Double($0); return (x.isInfinite ? x : x * sig(x)) * Double($1) }, "siluMul")
        }
    }
}

/// RMSNorm and LayerNorm on every kernel ISA against f64, widths across every vector tail, NaN rows.
final class NormTests: XCTestCase {
    func testNormsMatchF64() {
        for isa in KernelISA.available {
            for n in [1, 7, 8, 15, 16, 17, 33, 1280] {
                let rows = 3
                var rng = SeededValues(seed: UInt64(n))
                var x = rng.array(rows * n).map { $0 * 3 + 0.5 }
                x[2 * n] = .nan  // the last row
                let w = rng.array(n), b = rng.array(n)
                var rms = [Float](repeating: 0, count: rows * n), ln = rms
                x.withUnsafeBufferPointer { xp in
                    rms.withUnsafeMutableBufferPointer {
                        Norms.rmsNorm(xp.baseAddress!, rows: rows, width: n, weight: w, eps: 1e-6, out: $0.baseAddress!, isa: isa)
                    }
                    ln.withUnsafeMutableBufferPointer {
                        Norms.layerNorm(xp.baseAddress!, rows: rows, width: n, weight: w, bias: b, eps: 1e-5, out: $0.baseAddress!, isa: isa)
                    }
                }
                for r in 0..<2 {
                    let row = x[(r * n)..<((r + 1) * n)].map(Double.init)
                    let inv = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(n) + 1e-6).squareRoot()
                    let mean = row.reduce(0, +) / Double(n)
                    let sd = 1 / (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n) + 1e-5).squareRoot()
                    for i in 0..<n {
                        XCTAssertEqual(Double(rms[r * n + i]), Double(w[i]) * row[i] * inv, accuracy: 1e-5, "\(isa) rms n\(n)")
                        XCTAssertEqual(Double(ln[r * n + i]), (row[i] - mean) * sd * Double(w[i]) + Double(b[i]), accuracy: 1e-4,
                                       "\(isa) layerNorm n\(n)")
                    }
                }
                XCTAssertTrue(rms[(2 * n)...].allSatisfy(\.isNaN), "\(isa) rms NaN row n\(n)")
                XCTAssertTrue(ln[(2 * n)...].allSatisfy(\.isNaN), "\(isa) layerNorm NaN row n\(n)")
            }
        }
    }
}
