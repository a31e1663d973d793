import Kernels

/// Aya Vision's language model, Cohere2 (`modeling_cohere2.py`): bias-free LayerNorm (mean-centred),
/// one norm per layer feeding attention and MLP in PARALLEL (x + attn(n) + mlp(n)), GQA, interleaved
/// RoPE and a sliding window on the "sliding_attention" layers, full causal attention WITHOUT RoPE on
/// the others, final LayerNorm, tied head. No logit_scale (see AyaVisionConfig.Text.logitScale).
final class AyaVisionLanguage: @unchecked Sendable {
    struct Layer {
        let norm: LayerNorm
        let q: Linear
        let k: Linear
        let v: Linear
        let o: Linear
        let gate: Linear
        let up: Linear
        let down: Linear
        let sliding: Bool
    }

    let config: AyaVisionConfig.Text
    let embedTokens: WeightMatrix
    let layers: [Layer]
    let finalNorm: LayerNorm
    let lmHead: WeightMatrix
    let invFreq: [Float]
    let arithmetic: Arithmetic

    init(_ ck: CheckpointDirectory, config c: AyaVisionConfig.Text, arithmetic: Arithmetic) throws {
        config = c
        self.arithmetic = arithmetic
        let hidden = c.hiddenSize, qWidth = c.heads * c.headDim, kvWidth = c.kvHeads * c.headDim
        let p = "language_model.model."
        embedTokens = try ck.matrix(p + "embed_tokens.weight", rows: c.vocabSize, cols: hidden)
        layers = try (0..<c.layers).map { i in
            let l = p + "layers.\(i)."
            return Layer(norm: try LayerNorm(ck, l + "input_layernorm", width: hidden, eps: c.layerNormEps, hasBias: false),
                         q: try Linear(ck, l + "self_attn.q_proj", out: qWidth, in: hidden, bias: c.attentionBias, arithmetic: arithmetic, language: true),
                         k: try Linear(ck, l + "self_attn.k_proj", out: kvWidth, in: hidden, bias: c.attentionBias, arithmetic: arithmetic, language: true),
                         v: try Linear(ck, l + "self_attn.v_proj", out: kvWidth, in: hidden, bias: c.attentionBias, arithmetic: arithmetic, language: true),
                         o: try Linear(ck, l + "self_attn.o_proj", out: hidden, in: qWidth, bias: c.attentionBias, arithmetic: arithmetic, language: true),
                         gate: try Linear(ck, l + "mlp.gate_proj", out: c.intermediateSize, in: hidden, bias: false, arithmetic: arithmetic, language: true),
                         up: try Linear(ck, l + "mlp.up_proj", out: c.intermediateSize, in: hidden, bias: false, arithmetic: arithmetic, language: true),
                         down: try Linear(ck, l + "mlp.down_proj", out: hidden, in: c.intermediateSize, bias: false, arithmetic: arithmetic, language: true),
                         sliding: c.slidingLayers[i])
        }
        finalNorm = try LayerNorm(ck, p + "norm", width: hidden, eps: c.layerNormEps, hasBias: false)
        if ck.has("language_model.lm_head.weight") {
            lmHead = try ck.languageMatrix("language_model.lm_head.weight", rows: c.vocabSize, cols: hidden)
        } else if c.tieWordEmbeddings {
            // int8: a Q8_0 copy of the embedding as the head (the lookups keep the stored rows)
            lmHead = ck.int8Cache == nil ? embedTokens
                : try ck.languageMatrix(p + "embed_tokens.weight", rows: c.vocabSize, cols: hidden)
        } else {
            throw CheckpointError.missingTensor(name: "language_model.lm_head.weight (tie_word_embeddings is false)",
                                                directory: ck.url.path)
        }
        invFreq = RotaryEmbedding.inverseFrequencies(dim: c.headDim, base: c.ropeTheta)
    }

    func makeCache(capacity: Int) -> KVCache {
        KVCache(layers: config.layers, width: config.kvHeads * config.headDim, capacity: capacity)
    }

    /// Writes the embedding rows of `ids` into `out` ([ids.count × hidden]).
    func embed(_ ids: [Int], into out: UnsafeMutablePointer<Float>) {
        let hidden = config.hiddenSize
        for (i, id) in ids.enumerated() { embedTokens.rowsAsFloat(id, count: 1, into: out + i * hidden) }
    }


    /// Runs `rows` new positions (embeddings in `x`, overwritten) through the decoder at positions
    /// cache.count…, appending to `cache`; returns the logits of the last row.
    func forward(_ x: FloatBuffer, rows: Int, cache: KVCache) -> [Float] {
        let c = config
        let hidden = c.hiddenSize, qWidth = c.heads * c.headDim, kvWidth = c.kvHeads * c.headDim
        let start = cache.count
        cache.reserve(start + rows)
        let normed = FloatBuffer(count: rows * hidden)
        let q = FloatBuffer(count: rows * qWidth)
        let attn = FloatBuffer(count: rows * qWidth)
        let branch = FloatBuffer(count: rows * hidden)
        let gate = FloatBuffer(count: rows * c.intermediateSize)
        let up = FloatBuffer(count: rows * c.intermediateSize)
        let (cos, sin) = AyaVisionRotary.tables(start: start, rows: rows, invFreq: invFreq)

        for (index, layer) in layers.enumerated() {
            let keys = cache.keys(layer: index), values = cache.values(layer: index)
            layer.norm(x.pointer, rows: rows, out: normed.pointer)
            layer.q(normed.pointer, rows: rows, out: q.pointer)
            layer.k(normed.pointer, rows: rows, out: keys + start * kvWidth)
            layer.v(normed.pointer, rows: rows, out: values + start * kvWidth)
            if layer.sliding {
                RotaryEmbedding.apply(q.pointer, rows: rows, rowStride: qWidth, heads: c.heads, headDim: c.headDim,
                                      cos: cos, sin: sin, interleaved: true)
                RotaryEmbedding.apply(keys + start * kvWidth, rows: rows, rowStride: kvWidth, heads: c.kvHeads,
                                      headDim: c.headDim, cos: cos, sin: sin, interleaved: true)
            }
            attend(q: q.pointer, keys: keys, values: values, start: start, rows: rows,
                   window: layer.sliding ? c.slidingWindow : nil, out: attn.pointer)
            layer.o(attn.pointer, rows: rows, out: branch.pointer)
            Elementwise.add(x.pointer, branch.pointer, count: rows * hidden)
            layer.gate(normed.pointer, rows: rows, out: gate.pointer)
            layer.up(normed.pointer, rows: rows, out: up.pointer)
            Activations.siluMul(gate.pointer, up.pointer, count: rows * c.intermediateSize)
            layer.down(gate.pointer, rows: rows, out: branch.pointer)
            Elementwise.add(x.pointer, branch.pointer, count: rows * hidden)
        }
        cache.count = start + rows

        let last = x.pointer + (rows - 1) * hidden
        finalNorm(last, rows: 1, out: normed.pointer)
        let logits = FloatBuffer(count: c.vocabSize)
        MatMul.linear(normed.pointer, rows: 1, weight: lmHead, out: logits.pointer, bf16Arithmetic: arithmetic == .native)
        return logits.array
    }

    /// Causal attention of rows start..<start+rows over the cache; with a `window`, position p sees
    /// only keys p−window+1…p (transformers' sliding_window_overlay: kv > q − window).
    private func attend(q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                        start: Int, rows: Int, window: Int?, out: UnsafeMutablePointer<Float>) {
        let c = config
        let qWidth = c.heads * c.headDim, kvWidth = c.kvHeads * c.headDim
        let layout = Attention.Layout(heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim)
        let scale = 1 / Float(c.headDim).squareRoot()
        let precision = arithmetic.attentionPrecision(weights: embedTokens.element, queries: rows)
        // Rows whose window still reaches position 0 are plain causal rows.
        let causalRows = window.map { max(0, min(rows, $0 - start)) } ?? rows
        if causalRows > 0 {
            Attention.compute(q: q, qStride: qWidth, k: keys, kStride: kvWidth, v: values, vStride: kvWidth,
                              queries: causalRows, keys: start + causalRows, layout: layout, scale: scale,
                              causalOffset: start, precision: precision, out: out, outStride: qWidth)
        }
        guard let window else { return }
        for i in causalRows..<rows {
            let first = start + i - window + 1
            Attention.compute(q: q + i * qWidth, qStride: qWidth, k: keys + first * kvWidth, kStride: kvWidth,
                              v: values + first * kvWidth, vStride: kvWidth, queries: 1, keys: window, layout: layout,
                              scale: scale, causalOffset: nil, precision: .f32, out: out + i * qWidth, outStride: qWidth)
        }
    }
}
