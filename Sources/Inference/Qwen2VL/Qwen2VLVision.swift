import Kernels

/// Qwen2-VL's vision tower (reference §4): patch embedding, `depth` ViT blocks with 2-D rotary
/// attention over the whole image, and the 2×2 patch merger into the language model's width.
final class Qwen2VLVision: @unchecked Sendable {
    struct Block {
        let norm1: LayerNorm
        let qkv: Linear
        let proj: Linear
        let norm2: LayerNorm
        let fc1: Linear
        let fc2: Linear
    }

    let config: Qwen2VLConfig.Vision
    let patchEmbed: Linear
    let blocks: [Block]
    let mergerNorm: LayerNorm
    let mergerFC1: Linear
    let mergerFC2: Linear
    let invFreq: [Float]
    let arithmetic: Arithmetic

    init(_ ck: CheckpointDirectory, config: Qwen2VLConfig.Vision, arithmetic: Arithmetic) throws {
        self.config = config
        let d = config.embedDim, mlp = config.mlpDim
        patchEmbed = try Linear(ck, "visual.patch_embed.proj", out: d, in: config.patchValues, bias: false, arithmetic: arithmetic)
        blocks = try (0..<config.depth).map { i in
            let p = "visual.blocks.\(i)."
            return Block(norm1: try LayerNorm(ck, p + "norm1", width: d, eps: 1e-6),
                         qkv: try Linear(ck, p + "attn.qkv", out: 3 * d, in: d, bias: true, arithmetic: arithmetic),
                         proj: try Linear(ck, p + "attn.proj", out: d, in: d, bias: true, arithmetic: arithmetic),
                         norm2: try LayerNorm(ck, p + "norm2", width: d, eps: 1e-6),
                         fc1: try Linear(ck, p + "mlp.fc1", out: mlp, in: d, bias: true, arithmetic: arithmetic),
                         fc2: try Linear(ck, p + "mlp.fc2", out: d, in: mlp, bias: true, arithmetic: arithmetic))
        }
        let merged = d * config.spatialMergeSize * config.spatialMergeSize
        mergerNorm = try LayerNorm(ck, "visual.merger.ln_q", width: d, eps: 1e-6)
        mergerFC1 = try Linear(ck, "visual.merger.mlp.0", out: merged, in: merged, bias: true, arithmetic: arithmetic)
        mergerFC2 = try Linear(ck, "visual.merger.mlp.2", out: config.hiddenSize, in: merged, bias: true, arithmetic: arithmetic)
        invFreq = Qwen2VLRope.inverseFrequencies(dim: config.headDim / 2, theta: 10000)
        self.arithmetic = arithmetic
    }

    /// (row, column) of every patch in the processor's 2×2-window order (reference §4.2).
    static func patchPositions(gridH: Int, gridW: Int, mergeSize m: Int) -> [(h: Int, w: Int)] {
        var result: [(h: Int, w: Int)] = []
        result.reserveCapacity(gridH * gridW)
        for bh in 0..<(gridH / m) {
            for bw in 0..<(gridW / m) {
                for mh in 0..<m {
                    for mw in 0..<m { result.append((bh * m + mh, bw * m + mw)) }
                }
            }
        }
        return result
    }

    /// pixels [patches × patchValues] of one image of grid (t, gridH, gridW) → [patches/m² × hiddenSize].
    func forward(pixels: UnsafePointer<Float>, gridT: Int, gridH: Int, gridW: Int,
                 onLayer: (Int) -> Void) -> FloatBuffer {
        let n = gridT * gridH * gridW
        let d = config.embedDim, hd = config.headDim, heads = config.heads
        let x = FloatBuffer(count: n * d, zeroed: false)
        let h = FloatBuffer(count: n * d, zeroed: false)
        let qkv = FloatBuffer(count: n * 3 * d, zeroed: false)
        let mlp = FloatBuffer(count: n * config.mlpDim, zeroed: false)
        patchEmbed(pixels, rows: n, out: x.pointer)

        // Rotary tables: per patch, hd/2 angles = [h·inv, w·inv] (inv has hd/4 entries).
        let quarter = invFreq.count
        var angles = [Float](repeating: 0, count: n * 2 * quarter)
        let positions = Self.patchPositions(gridH: gridH, gridW: gridW, mergeSize: config.spatialMergeSize)
        for r in 0..<n {
            let p = positions[r % positions.count]
            for i in 0..<quarter {
                angles[r * 2 * quarter + i] = Float(p.h) * invFreq[i]
                angles[r * 2 * quarter + quarter + i] = Float(p.w) * invFreq[i]
            }
        }
        let (cos, sin) = RotaryEmbedding.tables(angles: angles)
        let layout = Attention.Layout(heads: heads, kvHeads: heads, headDim: hd)
        let scale = 1 / Float(hd).squareRoot()

        for (index, block) in blocks.enumerated() {
            block.norm1(x.pointer, rows: n, out: h.pointer)
            block.qkv(h.pointer, rows: n, out: qkv.pointer)
            RotaryEmbedding.apply(qkv.pointer, rows: n, rowStride: 3 * d, heads: heads, headDim: hd, cos: cos, sin: sin)
            RotaryEmbedding.apply(qkv.pointer + d, rows: n, rowStride: 3 * d, heads: heads, headDim: hd, cos: cos, sin: sin)
            Attention.compute(q: qkv.pointer, qStride: 3 * d, k: qkv.pointer + d, kStride: 3 * d,
                              v: qkv.pointer + 2 * d, vStride: 3 * d, queries: n, keys: n, layout: layout,
                              scale: scale, causalOffset: nil, precision: arithmetic.attentionPrecision(weights: patchEmbed.weight.element, queries: n),
                              out: h.pointer, outStride: d)
            block.proj(h.pointer, rows: n, out: mlp.pointer)
            Elementwise.add(x.pointer, mlp.pointer, count: n * d)
            block.norm2(x.pointer, rows: n, out: h.pointer)
            block.fc1(h.pointer, rows: n, out: mlp.pointer)
            Qwen2VLActivation.apply(config.hiddenAct, mlp.pointer, count: n * config.mlpDim)
            block.fc2(mlp.pointer, rows: n, out: h.pointer)
            Elementwise.add(x.pointer, h.pointer, count: n * d)
            onLayer(index + 1)
        }

        let m2 = config.spatialMergeSize * config.spatialMergeSize
        let tokens = n / m2
        mergerNorm(x.pointer, rows: n, out: h.pointer)
        // Rows 4k…4k+3 are consecutive, so h viewed as [tokens × 4d] is the merger input.
        let hidden = FloatBuffer(count: tokens * d * m2, zeroed: false)
        mergerFC1(h.pointer, rows: tokens, out: hidden.pointer)
        Activations.geluErf(hidden.pointer, count: tokens * d * m2)
        let out = FloatBuffer(count: tokens * config.hiddenSize)
        mergerFC2(hidden.pointer, rows: tokens, out: out.pointer)
        return out
    }
}

/// The vision MLP activation named by `vision_config.hidden_act`.
enum Qwen2VLActivation {
    static func apply(_ name: String, _ x: UnsafeMutablePointer<Float>, count: Int) {
        switch name {
        case "gelu": Activations.geluErf(x, count: count)
        case "silu": Activations.silu(x, count: count)
        default: Activations.quickGELU(x, count: count)
        }
    }
}
