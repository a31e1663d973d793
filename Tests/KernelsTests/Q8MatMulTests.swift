import CKernels
import XCTest
@testable import Kernels

/// Q8_0 weights (`WeightElement.q8_0`): the quantizer against a Swift model of llama.cpp's rules, and
/// `MatMul.linear` on every kernel ISA this machine runs against f64 references over exactly what each
/// path multiplies — the integer block dot products of the GEMV (activations quantized per block too),
/// and the packed GEMM's weights widened from Q8_0 (to bf16 where the kernel has bf16 products); and every
/// packed kernel the CPU runs driven directly on Q8_0 B (so the bf16 kernel stays covered where the ISA's
/// choice does not take it).
final class Q8MatMulTests: XCTestCase {
    /// Swift model of Q8_0 quantization of one row: q, and the scale as stored (f16 for weights, f32 for
    /// activations). A block with NaN/Inf gets a NaN scale.
    static func quantize(_ x: ArraySlice<Float>, f16Scales: Bool) -> (q: [Int8], d: [Float]) {
        let blocks = (x.count + 31) / 32
        var q = [Int8](repeating: 0, count: blocks * 32), d = [Float](repeating: 0, count: blocks)
        for b in 0..<blocks {
            let block = x.dropFirst(b * 32).prefix(32)
            if block.contains(where: { !$0.isFinite }) {
                d[b] = .nan
                continue
            }
            let amax = block.map { abs($0) }.max() ?? 0
            let scale = amax / 127
            let inv: Float = scale != 0 ? 1 / scale : 0
            for (i, v) in block.enumerated() { q[b * 32 + i] = Int8((v * inv).rounded(.toNearestOrEven)) }
            d[b] = f16Scales ? Float(Float16(scale)) : scale
        }
        return (q, d)
    }

    /// A Q8_0 matrix made by the production quantizer from f32 rows; memory owned by the returned buffers.
    final class Q8Matrix {
        let values: UnsafeMutableRawPointer
        let scales: UnsafeMutableRawPointer
        let matrix: WeightMatrix
        init(_ w: [Float], rows: Int, cols: Int) {
            let bytes = Q8Quantizer.byteCounts(rows: rows, cols: cols)
            let v = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.values, 1), alignment: 64)
            let d = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.scales, 1), alignment: 64)
            w.withUnsafeBufferPointer { wp in
                Q8Quantizer.quantize(WeightMatrix(rows: rows, cols: cols, f32: wp.baseAddress!), values: v, scales: d)
            }
            values = v
            scales = d
            matrix = WeightMatrix(q8Rows: rows, cols: cols, values: v, scales: d, owner: nil)
        }
        deinit { values.deallocate(); scales.deallocate() }

        /// The stored weights as f32 (q·d).
        var dequantized: [Float] { (0..<matrix.rows).flatMap { matrix.row($0) } }
    }

    private func linear(_ x: [Float], m: Int, _ w: Q8Matrix, bias: [Float]?, isa: KernelISA, bf16: Bool) -> [Float] {
        var out = [Float](repeating: -12345, count: m * w.matrix.rows)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                if let bias {
                    bias.withUnsafeBufferPointer { bp in
                        MatMul.linear(xp.baseAddress!, rows: m, weight: w.matrix, bias: bp.baseAddress, out: op.baseAddress!,
                                      bf16Arithmetic: bf16, isa: isa)
                    }
                } else {
                    MatMul.linear(xp.baseAddress!, rows: m, weight: w.matrix, out: op.baseAddress!, bf16Arithmetic: bf16, isa: isa)
                }
            }
        }
        return out
    }

    /// What the GEMV computes: Σ_blocks (Σ q_x·q_w) · d_x · d_w, in f64.
    private func blockDotReference(_ x: [Float], m: Int, k: Int, _ w: Q8Matrix, n: Int, bias: [Float]?) -> [Float] {
        let blocks = (k + 31) / 32
        let wq = UnsafeRawPointer(w.values).assumingMemoryBound(to: Int8.self)
        let wd = UnsafeRawPointer(w.scales).assumingMemoryBound(to: UInt16.self)
        var out = [Float](repeating: 0, count: m * n)
        for r in 0..<m {
            let (xq, xd) = Self.quantize(x[(r * k)..<((r + 1) * k)], f16Scales: false)
            for j in 0..<n {
                var s = Double(bias?[j] ?? 0)
                for b in 0..<blocks {
                    var dot = 0
                    for i in 0..<32 { dot += Int(xq[b * 32 + i]) * Int(wq[j * blocks * 32 + b * 32 + i]) }
                    s += Double(dot) * Double(xd[b]) * Double(Float(Float16(bitPattern: wd[j * blocks + b])))
                }
                out[r * n + j] = Float(s)
            }
        }
        return out
    }

    private func check(m: Int, n: Int, k: Int, bias useBias: Bool, file: StaticString = #filePath, line: UInt = #line) {
        var rng = SeededValues(seed: UInt64(m * 7919 + n * 104_729 + k))
        let x = rng.array(m * k), wf = rng.array(n * k), bias = useBias ? rng.array(n) : nil
        let w = Q8Matrix(wf, rows: n, cols: k)
        let deq = w.dequantized
        let exact = naiveLinear(x, m: m, k: k, wf, n: n, bias: bias)
        for isa in KernelISA.available {
            for bf16 in [true, false] {
                let label = "\(isa) bf16Arithmetic \(bf16) m\(m) n\(n) k\(k) bias \(useBias)"
                let want: [Float]
                if m < MatMul.gemvRows {
                    want = blockDotReference(x, m: m, k: k, w, n: n, bias: bias)
                } else if PackedGEMM.kernel(for: isa, bf16Products: bf16)?.arithmetic == .bf16 {
                    want = naiveLinear(bf16Round(x), m: m, k: k, bf16Round(deq), n: n, bias: bias)
                } else {
                    want = naiveLinear(x, m: m, k: k, deq, n: n, bias: bias)
                }
                let got = linear(x, m: m, w, bias: bias, isa: isa, bf16: bf16)
                XCTAssertFalse(got.contains(-12345), "\(label): outputs left unwritten", file: file, line: line)
                XCTAssertLessThan(maxAbsDiff(got, want), Float(k).squareRoot() * 2e-6 + 1e-6, label, file: file, line: line)
                // and Q8_0 stays near the unquantized product (values in [-1, 1): a few % of √k)
                XCTAssertLessThan(maxAbsDiff(got, exact), Float(k).squareRoot() * 0.03 + 0.01, "\(label) vs f32", file: file, line: line)
            }
        }
    }

    func testQuantizerMatchesTheQ8_0Rules() {
        var rng = SeededValues(seed: 11)
        for cols in [1, 31, 32, 33, 100, 257] {
            var wf = rng.array(3 * cols).map { $0 * 0.07 }
            wf[0] = 0  // an all-zero block must give scale 0 and q 0
            if cols >= 32 { for i in 0..<32 { wf[cols + i] = 0 } }
            let w = Q8Matrix(wf, rows: 3, cols: cols)
            let blocks = (cols + 31) / 32
            for r in 0..<3 {
                let (q, d) = Self.quantize(wf[(r * cols)..<((r + 1) * cols)], f16Scales: true)
                let gotQ = (0..<(blocks * 32)).map { UnsafeRawPointer(w.values).load(fromByteOffset: r * blocks * 32 + $0, as: Int8.self) }
                let gotD = (0..<blocks).map { Float(Float16(bitPattern: UnsafeRawPointer(w.scales).load(fromByteOffset: (r * blocks + $0) * 2,
                                                                                                        as: UInt16.self))) }
                XCTAssertEqual(gotQ, q, "cols \(cols) row \(r): values (padding zero)")
                XCTAssertEqual(gotD, d, "cols \(cols) row \(r): scales")
                // dequantized within half a step of the input
                let row = w.matrix.row(r)
                for c in 0..<cols {
                    XCTAssertLessThanOrEqual(abs(row[c] - wf[r * cols + c]), d[c / 32] * 0.5 + 1e-6 + abs(wf[r * cols + c]) * 1e-3)
                }
            }
        }
    }

    func testF16ScaleConversionMatchesSwiftFloat16() {
        var bits: [UInt32] = [0, 0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x477f_e000, 0x477f_efff, 0x477f_f000, 0x3880_0000,
                              0x387f_ffff, 0x3300_0000, 0x3300_0001, 0x3380_0000, 0x3400_0000, 0x33ff_ffff]
        var u: UInt32 = 0
        while u < 0xff00_0000 { bits.append(u); u &+= 65_537 }
        for b in bits {
            let f = Float(bitPattern: b)
            if f.isNaN {  // payloads are not kept: any NaN becomes the quiet NaN
                XCTAssertTrue(Float16(bitPattern: ck_f32_to_f16_scalar(f)).isNaN, String(format: "f32 bits %08x", b))
            } else {
                XCTAssertEqual(ck_f32_to_f16_scalar(f), Float16(f).bitPattern, String(format: "f32 bits %08x", b))
            }
        }
        XCTAssertTrue(Float16(bitPattern: ck_f32_to_f16_scalar(.nan)).isNaN)
    }

    func testEveryRowCountFrom1To17() {
        for m in 1...17 { check(m: m, n: 37, k: 45, bias: m % 2 == 1) }
    }

    func testOddShapes() {
        // k: under one block, one block, a block and one, odd, over the f32 (512) and bf16 (768) chunks;
        // n: under the 4-row GEMV group, not a multiple of 16 or 32, over a panel; long rows (k 8225); n 1003:
        // a GEMV piece of 123 rows (four streams of 30 rows, then 3 one after the other).
        for (m, n, k) in [(1, 1, 1), (2, 5, 31), (1, 7, 32), (3, 61, 33), (1, 100, 257), (5, 40, 513), (13, 46, 801),
                          (1, 17, 1537), (4, 33, 64), (30, 49, 300), (1, 3, 96),
                          (1, 13, 8225), (2, 6, 8192), (1, 1003, 96)] {
            check(m: m, n: n, k: k, bias: true)
            check(m: m, n: n, k: k, bias: false)
        }
    }

    func testNaNAndInfinityPropagate() {
        for m in [1, 9] {
            let k = 50, n = 40
            var rng = SeededValues(seed: 5)
            var wf = rng.array(n * k)
            wf[7 * k + 3] = .infinity  // column 7 sees an infinite weight (its block's scale turns NaN)
            wf[20 * k + 40] = .nan     // column 20 a NaN weight
            let w = Q8Matrix(wf, rows: n, cols: k)
            var x = rng.array(m * k)
            x[(m - 1) * k + 11] = .nan  // the last row sees a NaN activation
            for isa in KernelISA.available {
                for bf16 in [true, false] {
                    let got = linear(x, m: m, w, bias: nil, isa: isa, bf16: bf16)
                    let label = "\(isa) bf16Arithmetic \(bf16) m\(m)"
                    for c in 0..<n { XCTAssertTrue(got[(m - 1) * n + c].isNaN, "\(label): NaN row, column \(c)") }
                    for r in 0..<(m - 1) {
                        for c in 0..<n { XCTAssertEqual(got[r * n + c].isFinite, c != 7 && c != 20, "\(label): row \(r) column \(c)") }
                    }
                }
            }
        }
    }

    func testEveryPackedKernelOnQ8Weights() {
        for (m, n, k) in [(5, 37, 45), (13, 49, 801), (17, 33, 385)] {
            var rng = SeededValues(seed: UInt64(m * 31 + k))
            let x = rng.array(m * k), wf = rng.array(n * k), bias = rng.array(n)
            let w = Q8Matrix(wf, rows: n, cols: k)
            let deq = w.dequantized
            for kernel in PackedGEMM.available {
                let bf16 = kernel.arithmetic == .bf16
                let want = naiveLinear(bf16 ? bf16Round(x) : x, m: m, k: k, bf16 ? bf16Round(deq) : deq, n: n, bias: bias)
                var got = [Float](repeating: -12345, count: m * n)
                x.withUnsafeBufferPointer { xp in
                    got.withUnsafeMutableBufferPointer { op in
                        bias.withUnsafeBufferPointer { bp in
                            kernel.gemm(m: m, n: n, k: k, a: xp.baseAddress!, lda: k, b: w.matrix.base, element: .q8_0,
                                        ldb: w.matrix.rowStride, scales: w.matrix.scales, c: op.baseAddress!, ldc: n, bias: bp.baseAddress)
                        }
                    }
                }
                XCTAssertLessThan(maxAbsDiff(got, want), Float(k).squareRoot() * 2e-6 + 1e-6,
                                  "\(kernel.arithmetic) \(kernel.mr)x\(kernel.nr) m\(m) n\(n) k\(k)")
            }
        }
    }

    func testSliceKeepsValuesAndScalesTogether() {
        let wf = SeededValues(seed: 9).arrayCopy(10 * 70)
        let w = Q8Matrix(wf, rows: 10, cols: 70)
        let part = w.matrix.slice(rows: 3, count: 4)
        for r in 0..<4 { XCTAssertEqual(part.row(r), w.matrix.row(3 + r)) }
        XCTAssertEqual(w.matrix.storedBytes, 10 * (96 + 3 * 2))
    }
}
