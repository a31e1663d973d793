/// Row-wise normalisations; statistics accumulate in f32 with 8 partial sums per row.
public enum Norms {
    /// y = w ⊙ x / sqrt(mean(x²) + eps), per row of width n (Qwen2/LLaMA RMSNorm).
    public static func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, width n: Int, weight: UnsafePointer<Float>,
                               eps: Float, out: UnsafeMutablePointer<Float>) {
        Parallel.chunks(rows, granule: 8) { range in
            for r in range {
                let src = x + r * n, dst = out + r * n
                let inv = 1 / (Float(meanSquare(src, n)) + eps).squareRoot()
                for i in 0..<n { dst[i] = weight[i] * (src[i] * inv) }
            }
        }
    }

    /// y = (x − mean)/sqrt(var + eps)·γ + β (biased variance), per row of width n.
    public static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width n: Int, weight: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>, eps: Float, out: UnsafeMutablePointer<Float>) {
        Parallel.chunks(rows, granule: 8) { range in
            for r in range {
                let src = x + r * n, dst = out + r * n
                let mean = sum(src, n) / Float(n)
                var acc = SIMD8<Float>(repeating: 0)
                var i = 0
                while i + 8 <= n {
                    var v = SIMD8<Float>(repeating: 0)
                    for j in 0..<8 { v[j] = src[i + j] - mean }
                    acc += v * v
                    i += 8
                }
                var tail: Float = 0
                while i < n { let d = src[i] - mean; tail += d * d; i += 1 }
                let variance = (acc.sum() + tail) / Float(n)
                let inv = 1 / (variance + eps).squareRoot()
                for j in 0..<n { dst[j] = (src[j] - mean) * inv * weight[j] + bias[j] }
            }
        }
    }

    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var tail: Float = 0
        while i < n { tail += x[i]; i += 1 }
        return acc.sum() + tail
    }

    @inline(__always)
    static func meanSquare(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += v * v
            i += 8
        }
        var tail: Float = 0
        while i < n { tail += x[i] * x[i]; i += 1 }
        return (acc.sum() + tail) / Float(n)
    }
}
