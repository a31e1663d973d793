import Kernels

/// Aya Vision's image side (`modeling_aya_vision.py`, `modeling_siglip.py`): SigLIP patch embedding
/// (a stride-P convolution, done as a linear over flattened patches) + learned positions, pre-norm
/// ViT layers with bidirectional attention inside each tile, then the multi-modal projector: pixel
/// shuffle by `downsample_factor`, LayerNorm, linear, SwiGLU (first half × SiLU(second half)), linear.
/// SigLIP's post_layernorm is never applied: the projector reads `hidden_states[vision_feature_layer]`.
final class AyaVisionVision: @unchecked Sendable {
    struct Layer {
        let norm1: LayerNorm
        let q: Linear
        let k: Linear
        let v: Linear
        let out: Linear
        let norm2: LayerNorm
        let fc1: Linear
        let fc2: Linear
    }

    let config: AyaVisionConfig
    let patchEmbed: Linear
    let positions: WeightMatrix
    let layers: [Layer]
    let projectorNorm: LayerNorm
    let projectorIn: Linear
    let projectorOut: Linear
    let arithmetic: Arithmetic

    init(_ ck: CheckpointDirectory, config: AyaVisionConfig, arithmetic: Arithmetic) throws {
        self.config = config
        self.arithmetic = arithmetic
        let v = config.vision, d = v.hiddenSize
        let p = "vision_tower.vision_model."
        patchEmbed = try Linear(ck, p + "embeddings.patch_embedding", out: d, in: v.patchValues, bias: true, arithmetic: arithmetic)
        positions = try ck.matrix(p + "embeddings.position_embedding.weight", rows: v.patchesPerTile, cols: d)
        layers = try (0..<config.visionLayersUsed).map { i in
            let l = p + "encoder.layers.\(i)."
            return Layer(norm1: try LayerNorm(ck, l + "layer_norm1", width: d, eps: v.layerNormEps),
                         q: try Linear(ck, l + "self_attn.q_proj", out: d, in: d, bias: true, arithmetic: arithmetic),
                         k: try Linear(ck, l + "self_attn.k_proj", out: d, in: d, bias: true, arithmetic: arithmetic),
                         v: try Linear(ck, l + "self_attn.v_proj", out: d, in: d, bias: true, arithmetic: arithmetic),
                         out: try Linear(ck, l + "self_attn.out_proj", out: d, in: d, bias: true, arithmetic: arithmetic),
                         norm2: try LayerNorm(ck, l + "layer_norm2", width: d, eps: v.layerNormEps),
                         fc1: try Linear(ck, l + "mlp.fc1", out: v.intermediateSize, in: d, bias: true, arithmetic: arithmetic),
                         fc2: try Linear(ck, l + "mlp.fc2", out: d, in: v.intermediateSize, bias: true, arithmetic: arithmetic))
        }
        let f = config.downsampleFactor
        let shuffled = d * f * f, inner = config.alignmentIntermediateSize
        projectorNorm = try LayerNorm(ck, "multi_modal_projector.layernorm", width: shuffled, eps: config.adapterLayerNormEps)
        projectorIn = try Linear(ck, "multi_modal_projector.linear_1", out: inner, in: shuffled, bias: true, arithmetic: arithmetic)
        projectorOut = try Linear(ck, "multi_modal_projector.linear_2", out: config.text.hiddenSize, in: inner / 2, bias: true, arithmetic: arithmetic)
    }

    /// Rows of flattened patches [tiles·N × C·P·P] from pixel tiles [tiles × C × H × W], patches row by
    /// row, each patch's values in (channel, row, column) order like the convolution kernel.
    static func patchRows(_ pixels: AyaVisionPixels, patchSize ps: Int, channels: Int) -> FloatBuffer {
        let side = pixels.tileWidth / ps, w = pixels.tileWidth, h = pixels.tileHeight
        let n = side * (h / ps), values = channels * ps * ps
        let rows = FloatBuffer(count: pixels.tileCount * n * values)
        pixels.values.withUnsafeBufferPointer { src in
            for t in 0..<pixels.tileCount {
                let tile = t * channels * h * w
                for patch in 0..<n {
                    let py = patch / side, px = patch % side
                    var dst = rows.pointer + (t * n + patch) * values
                    for c in 0..<channels {
                        for ky in 0..<ps {
                            let from = tile + c * h * w + (py * ps + ky) * w + px * ps
                            for kx in 0..<ps { dst[kx] = src[from + kx] }
                            dst += ps
                        }
                    }
                }
            }
        }
        return rows
    }

    /// Image features for the language model: [tiles · tokensPerTile × text hidden], tile by tile,
    /// tokens row by row within a tile (the order of the `<|IMG_PATCH|>` tokens in the prompt).
    func forward(_ pixels: AyaVisionPixels, onLayer: (Int) -> Void) throws -> FloatBuffer {
        let v = config.vision, d = v.hiddenSize, n = v.patchesPerTile
        let tiles = pixels.tileCount, rows = tiles * n
        let x = FloatBuffer(count: rows * d)
        let patches = Self.patchRows(pixels, patchSize: v.patchSize, channels: v.channels)
        patchEmbed(patches.pointer, rows: rows, out: x.pointer)
        let position = FloatBuffer(count: n * d)
        positions.rowsAsFloat(0, count: n, into: position.pointer)
        for t in 0..<tiles { Elementwise.add(x.pointer + t * n * d, position.pointer, count: n * d) }

        let h = FloatBuffer(count: rows * d)
        let q = FloatBuffer(count: rows * d), k = FloatBuffer(count: rows * d), val = FloatBuffer(count: rows * d)
        let mlp = FloatBuffer(count: rows * max(v.intermediateSize, d))
        let layout = Attention.Layout(heads: v.heads, kvHeads: v.heads, headDim: v.headDim)
        let scale = 1 / Float(v.headDim).squareRoot()
        for (index, layer) in layers.enumerated() {
            layer.norm1(x.pointer, rows: rows, out: h.pointer)
            layer.q(h.pointer, rows: rows, out: q.pointer)
            layer.k(h.pointer, rows: rows, out: k.pointer)
            layer.v(h.pointer, rows: rows, out: val.pointer)
            for t in 0..<tiles {
                let o = t * n * d
                Attention.compute(q: q.pointer + o, qStride: d, k: k.pointer + o, kStride: d, v: val.pointer + o,
                                  vStride: d, queries: n, keys: n, layout: layout, scale: scale, causalOffset: nil,
                                  precision: arithmetic.attentionPrecision(weights: patchEmbed.weight.element, queries: n),
                                  out: h.pointer + o, outStride: d)
            }
            layer.out(h.pointer, rows: rows, out: mlp.pointer)
            Elementwise.add(x.pointer, mlp.pointer, count: rows * d)
            layer.norm2(x.pointer, rows: rows, out: h.pointer)
            layer.fc1(h.pointer, rows: rows, out: mlp.pointer)
            try AyaVisionActivation.apply(v.hiddenAct, mlp.pointer, count: rows * v.intermediateSize)
            layer.fc2(mlp.pointer, rows: rows, out: h.pointer)
            Elementwise.add(x.pointer, h.pointer, count: rows * d)
            onLayer(index + 1)
        }
        return project(x, tiles: tiles)
    }

    /// Pixel shuffle + projector. Output token (i, j) of a tile concatenates, for r, s in 0..<f,
    /// the features of patch (i·f + r, j·f + s) — r outer, s inner (the reference's reshape/permute).
    func project(_ x: FloatBuffer, tiles: Int) -> FloatBuffer {
        let v = config.vision, d = v.hiddenSize, side = v.patchesPerSide, f = config.downsampleFactor
        let outSide = side / f, perTile = outSide * outSide, tokens = tiles * perTile
        let width = d * f * f, inner = config.alignmentIntermediateSize, half = inner / 2
        let shuffled = FloatBuffer(count: tokens * width)
        for t in 0..<tiles {
            for i in 0..<outSide {
                for j in 0..<outSide {
                    let dst = shuffled.pointer + (t * perTile + i * outSide + j) * width
                    for r in 0..<f {
                        for s in 0..<f {
                            let patch = (i * f + r) * side + (j * f + s)
                            (dst + (r * f + s) * d).update(from: x.pointer + (t * side * side + patch) * d, count: d)
                        }
                    }
                }
            }
        }
        let normed = FloatBuffer(count: tokens * width)
        projectorNorm(shuffled.pointer, rows: tokens, out: normed.pointer)
        let mid = FloatBuffer(count: tokens * inner)
        projectorIn(normed.pointer, rows: tokens, out: mid.pointer)
        for row in 0..<tokens {
            let base = mid.pointer + row * inner
            Activations.siluMul(base + half, base, count: half)   // SiLU(gate = second half) × first half
        }
        let out = FloatBuffer(count: tokens * config.text.hiddenSize)
        projectorOut(mid.pointer + half, rows: tokens, out: out.pointer, ldx: inner)
        return out
    }
}
