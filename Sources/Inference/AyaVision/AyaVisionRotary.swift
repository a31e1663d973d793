import Kernels

/// Cohere2's rotary embedding (`modeling_cohere2.py`): angles repeat-interleaved, so the rotated
/// pairs are ADJACENT dims (2i, 2i+1) — unlike Llama/Qwen's rotate-half pairs (i, i + d/2); applied
/// with `RotaryEmbedding.apply(…, interleaved: true)`. Angle = position · inv_freq[i] (plain 1-D
/// positions). Only sliding-window layers use it; full-attention layers have no positional encoding.
enum AyaVisionRotary {
    /// cos/sin tables [rows × headDim/2] for positions start..<start+rows (f32 angles, like torch).
    static func tables(start: Int, rows: Int, invFreq: [Float]) -> (cos: [Float], sin: [Float]) {
        var angles = [Float](repeating: 0, count: rows * invFreq.count)
        for r in 0..<rows {
            let p = Float(start + r)
            for (i, f) in invFreq.enumerated() { angles[r * invFreq.count + i] = f * p }
        }
        return RotaryEmbedding.tables(angles: angles)
    }
}
