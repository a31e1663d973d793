import CKernels
import Foundation

public enum Softmax {
    /// Each of `rows` rows (stride ld, width n) in place: x ← softmax(x).
    public static func rows(_ x: UnsafeMutablePointer<Float>, rows: Int, width n: Int, ld: Int? = nil,
                            isa: KernelISA = .active) {
        ck_softmax_rows(isa.code, x, Int32(rows), Int32(n), Int32(ld ?? n))
    }

    /// log_softmax of one vector, in f64 accumulation (for reported log-probabilities).
    public static func logSoftmax(_ x: UnsafePointer<Float>, count n: Int) -> [Float] {
        var m = -Float.infinity
        for i in 0..<n where x[i] > m { m = x[i] }
        var s: Double = 0
        for i in 0..<n { s += Double(expf(x[i] - m)) }
        let lse = m + Float(log(s))
        return (0..<n).map { x[$0] - lse }
    }

    /// log p(index) = x[index] − logsumexp(x).
    public static func logProbability(_ x: UnsafePointer<Float>, count n: Int, index: Int) -> Float {
        var m = -Float.infinity
        for i in 0..<n where x[i] > m { m = x[i] }
        var s: Double = 0
        for i in 0..<n { s += Double(expf(x[i] - m)) }
        return x[index] - (m + Float(log(s)))
    }

    /// log p(index) of a logits array (0 probability for an out-of-range index gives −inf).
    public static func logProbability(_ x: [Float], index: Int) -> Float {
        guard index >= 0 && index < x.count else { return -.infinity }
        return x.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return -.infinity }
            return logProbability(base, count: buffer.count, index: index)
        }
    }
}
