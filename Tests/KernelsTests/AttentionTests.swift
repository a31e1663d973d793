import XCTest
@testable import Kernels

final class AttentionTests: XCTestCase {
    /// Naive reference in f64 over [tokens][heads·hd] rows.
    private func naive(q: [Float], k: [Float], v: [Float], queries: Int, keys: Int, heads: Int, kvHeads: Int,
                       hd: Int, causalOffset: Int?) -> [Float] {
        let scale = 1 / Double(hd).squareRoot()
        var out = [Float](repeating: 0, count: queries * heads * hd)
        for i in 0..<queries {
            for h in 0..<heads {
                let g = h / (heads / kvHeads)
                let visible = causalOffset.map { min(keys, $0 + i + 1) } ?? keys
                var s = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    var dot = 0.0
                    for d in 0..<hd { dot += Double(q[i * heads * hd + h * hd + d]) * Double(k[j * kvHeads * hd + g * hd + d]) }
                    s[j] = dot * scale
                }
                let m = s.max() ?? 0
                let e = s.map { Foundation.exp($0 - m) }
                let z = e.reduce(0, +)
                for d in 0..<hd {
                    var acc = 0.0
                    for j in 0..<visible { acc += e[j] / z * Double(v[j * kvHeads * hd + g * hd + d]) }
                    out[i * heads * hd + h * hd + d] = Float(acc)
                }
            }
        }
        return out
    }

    private func check(queries: Int, keys: Int, heads: Int, kvHeads: Int, hd: Int, causalOffset: Int?,
                       precision: Attention.Precision, tolerance: Float) {
        var rng = SeededValues(seed: UInt64(queries * 31 + keys))
        let q = rng.array(queries * heads * hd).map { $0 * 2 }
        let k = rng.array(keys * kvHeads * hd).map { $0 * 2 }
        let v = rng.array(keys * kvHeads * hd)
        let want = naive(q: q, k: k, v: v, queries: queries, keys: keys, heads: heads, kvHeads: kvHeads, hd: hd,
                         causalOffset: causalOffset)
        for isa in KernelISA.available {
        var got = [Float](repeating: .nan, count: want.count)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    got.withUnsafeMutableBufferPointer { op in
                        Attention.compute(q: qp.baseAddress!, qStride: heads * hd, k: kp.baseAddress!, kStride: kvHeads * hd,
                                          v: vp.baseAddress!, vStride: kvHeads * hd, queries: queries, keys: keys,
                                          layout: .init(heads: heads, kvHeads: kvHeads, headDim: hd),
                                          scale: 1 / Float(hd).squareRoot(), causalOffset: causalOffset,
                                          precision: precision, out: op.baseAddress!, outStride: heads * hd, isa: isa)
                    }
                }
            }
        }
        XCTAssertLessThan(maxAbsDiff(got, want), tolerance,
                          "\(isa) q\(queries) k\(keys) causal \(String(describing: causalOffset)) \(precision)")
        }
    }

    func testBidirectionalF32() {
        check(queries: 150, keys: 150, heads: 2, kvHeads: 2, hd: 8, causalOffset: nil, precision: .f32, tolerance: 1e-5)
    }

    func testCausalGroupedPrefillF32() {
        check(queries: 140, keys: 140, heads: 4, kvHeads: 2, hd: 16, causalOffset: 0, precision: .f32, tolerance: 1e-5)
    }

    func testCausalDecodeStepWithCache() {
        // One new query at absolute position 9 sees all 10 keys.
        check(queries: 1, keys: 10, heads: 4, kvHeads: 1, hd: 16, causalOffset: 9, precision: .f32, tolerance: 1e-5)
    }

    func testF32AcrossSeveralF32KeyChunksWithOddHeadDim() {
        // 1100 keys: three f32 key tiles of 512; head dim 13: odd k for the score product.
        check(queries: 70, keys: 1100, heads: 3, kvHeads: 1, hd: 13, causalOffset: nil, precision: .f32, tolerance: 1e-5)
        check(queries: 9, keys: 300, heads: 2, kvHeads: 2, hd: 13, causalOffset: 291, precision: .f32, tolerance: 1e-5)
    }

    /// A NaN key reaches exactly the queries that see it (causal: the later ones), on every path.
    func testNaNKeyReachesOnlyTheQueriesThatSeeIt() {
        let n = 20, hd = 8
        var rng = SeededValues(seed: 77)
        let q = rng.array(n * hd)
        var k = rng.array(n * hd)
        let v = rng.array(n * hd)
        k[10 * hd + 3] = .nan
        for isa in KernelISA.available {
            for precision in [Attention.Precision.f32, .bf16] {
                var got = [Float](repeating: 0, count: n * hd)
                got.withUnsafeMutableBufferPointer { op in
                    Attention.compute(q: q, qStride: hd, k: k, kStride: hd, v: v, vStride: hd, queries: n, keys: n,
                                      layout: .init(heads: 1, kvHeads: 1, headDim: hd), scale: 0.35, causalOffset: 0,
                                      precision: precision, out: op.baseAddress!, outStride: hd, isa: isa)
                }
                for i in 0..<n {
                    let row = got[(i * hd)..<((i + 1) * hd)]
                    XCTAssertEqual(row.allSatisfy(\.isNaN), i >= 10, "\(isa) \(precision) query \(i)")
                    XCTAssertEqual(row.allSatisfy(\.isFinite), i < 10, "\(isa) \(precision) query \(i)")
                }
            }
        }
    }

    func testBidirectionalBF16() {
        check(queries: 130, keys: 130, heads: 2, kvHeads: 2, hd: 80, causalOffset: nil, precision: .bf16, tolerance: 2e-2)
    }

    func testBidirectionalBF16AcrossSeveralKeyChunks() {
        // 900 keys: the packed values span two k-chunks of 768.
        check(queries: 140, keys: 900, heads: 2, kvHeads: 1, hd: 16, causalOffset: nil, precision: .bf16, tolerance: 2e-2)
    }

    func testCausalBF16PrefillWithPartialChunks() {
        check(queries: 780, keys: 780, heads: 2, kvHeads: 1, hd: 8, causalOffset: 0, precision: .bf16, tolerance: 2e-2)
    }

    func testSoftmaxRowsAndLogSoftmax() {
        var x: [Float] = [1, 2, 3, -.infinity, 0, 0, 0, 0]
        x.withUnsafeMutableBufferPointer { Softmax.rows($0.baseAddress!, rows: 2, width: 4) }
        let z = Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0)
        XCTAssertEqual(Double(x[0]), Foundation.exp(1.0) / z, accuracy: 1e-6)
        XCTAssertEqual(x[3], 0)
        XCTAssertEqual(x[4], 0.25, accuracy: 1e-7)
        let logits: [Float] = [0, Float(Foundation.log(3.0))]
        let lp = logits.withUnsafeBufferPointer { Softmax.logSoftmax($0.baseAddress!, count: 2) }
        XCTAssertEqual(lp[1], Float(Foundation.log(0.75)), accuracy: 1e-6)
    }

    func testNormsAndActivations() {
        var x: [Float] = [1, 2, 3, 4]
        let w: [Float] = [1, 1, 2, 2]
        let b: [Float] = [0, 0, 0, 1]
        var out = [Float](repeating: 0, count: 4)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                Norms.rmsNorm(xp.baseAddress!, rows: 1, width: 4, weight: w, eps: 0, out: op.baseAddress!)
            }
        }
        let rms = Float((30.0 / 4).squareRoot())
        XCTAssertEqual(out[2], 2 * 3 / rms, accuracy: 1e-6)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                Norms.layerNorm(xp.baseAddress!, rows: 1, width: 4, weight: w, bias: b, eps: 0, out: op.baseAddress!)
            }
        }
        XCTAssertEqual(out[3], 2 * 1.5 / Float(1.25).squareRoot() + 1, accuracy: 1e-5)
        var a: [Float] = (0..<40).map { Float($0 - 20) / 4 }
        let ref = a.map { $0 / (1 + Foundation.exp(-1.702 * $0)) }
        a.withUnsafeMutableBufferPointer { Activations.quickGELU($0.baseAddress!, count: 40) }
        XCTAssertLessThan(maxAbsDiff(a, ref), 1e-5)
        var g: [Float] = (0..<40).map { Float($0 - 20) / 4 }
        let u: [Float] = (0..<40).map { Float($0) }
        let sref = zip(g, u).map { $0 / (1 + Foundation.exp(-$0)) * $1 }
        g.withUnsafeMutableBufferPointer { Activations.siluMul($0.baseAddress!, u, count: 40) }
        XCTAssertLessThan(maxAbsDiff(g, sref), 1e-4)
        var e: [Float] = [0, 1, -1]
        e.withUnsafeMutableBufferPointer { Activations.geluErf($0.baseAddress!, count: 3) }
        XCTAssertEqual(e[1], 0.8413447, accuracy: 1e-6)
    }

    func testRotateHalf() {
        var x: [Float] = [1, 2, 3, 4]  // one head of 4: pairs (0,2), (1,3)
        let c: [Float] = [0, 1], s: [Float] = [1, 0]
        x.withUnsafeMutableBufferPointer {
            RotaryEmbedding.apply($0.baseAddress!, rows: 1, rowStride: 4, heads: 1, headDim: 4, cos: c, sin: s)
        }
        XCTAssertEqual(x, [-3, 2, 1, 4])
    }
}
