import Foundation

/// Rotary embeddings: pairs of each head share one angle — (d, d + half) for rotate-half (Llama,
/// Qwen), or adjacent (2d, 2d + 1) when `interleaved` (Cohere2: angles repeat-interleaved).
public enum RotaryEmbedding {
    /// In place on `rows` rows of `heads` heads of `headDim` (row stride `rowStride`, heads contiguous).
    /// `cos`/`sin` hold `headDim/2` values per row (row r at r·headDim/2); with pair (i, j):
    /// out[i] = x[i]·cos − x[j]·sin, out[j] = x[j]·cos + x[i]·sin.
    public static func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, rowStride: Int, heads: Int, headDim: Int,
                             cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, interleaved: Bool = false) {
        let half = headDim / 2
        let first = interleaved ? 2 : 1, second = interleaved ? 1 : half
        Parallel.chunks(rows, granule: 16) { range in
            for r in range {
                let c = cos + r * half, s = sin + r * half
                for h in 0..<heads {
                    let v = x + r * rowStride + h * headDim
                    for d in 0..<half {
                        let i = d * first, j = i + second
                        let a = v[i], b = v[j]
                        v[i] = a * c[d] - b * s[d]
                        v[j] = b * c[d] + a * s[d]
                    }
                }
            }
        }
    }

    /// cos/sin tables (rows × angles.count/rows) of f32 angles, computed in f32 like torch.
    public static func tables(angles: [Float]) -> (cos: [Float], sin: [Float]) {
        (angles.map { Foundation.cos($0) }, angles.map { Foundation.sin($0) })
    }

    /// inv_freq[i] = 1 / base^(2i/dim), i < dim/2, with torch's op order
    /// (`base ** (arange(0, dim, 2).float() / dim)` in f32, then reciprocal in f32).
    public static func inverseFrequencies(dim: Int, base: Float) -> [Float] {
        (0..<(dim / 2)).map { i in
            let exponent = Float(2 * i) / Float(dim)
            return 1 / powf(base, exponent)
        }
    }
}
