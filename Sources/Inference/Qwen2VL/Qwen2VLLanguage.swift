import Kernels

/// Qwen2-VL's language model (reference §5): Qwen2 decoder layers with GQA, q/k/v biases, M-RoPE
/// and SwiGLU; final RMSNorm; tied (or separate) LM head.
final class Qwen2VLLanguage: @unchecked Sendable {
    struct Layer {
        let inputNorm: RMSNorm
        let q: Linear
        let k: Linear
        let v: Linear
        let o: Linear
        let postNorm: RMSNorm
        let gate: Linear
        let up: Linear
        let down: Linear
    }

    let config: Qwen2VLConfig.Text
    let embedTokens: WeightMatrix
    let layers: [Layer]
    let norm: RMSNorm
    let lmHead: WeightMatrix
    let invFreq: [Float]
    let arithmetic: Arithmetic

    init(_ ck: CheckpointDirectory, config c: Qwen2VLConfig.Text, arithmetic: Arithmetic) throws {
        config = c
        let hidden = c.hiddenSize, kvWidth = c.kvHeads * c.headDim
        embedTokens = try ck.matrix("model.embed_tokens.weight", rows: c.vocabSize, cols: hidden)
        layers = try (0..<c.layers).map { i in
            let p = "model.layers.\(i)."
            return Layer(inputNorm: try RMSNorm(ck, p + "input_layernorm.weight", width: hidden, eps: c.rmsNormEps),
                         q: try Linear(ck, p + "self_attn.q_proj", out: hidden, in: hidden, bias: true, arithmetic: arithmetic, language: true),
                         k: try Linear(ck, p + "self_attn.k_proj", out: kvWidth, in: hidden, bias: true, arithmetic: arithmetic, language: true),
                         v: try Linear(ck, p + "self_attn.v_proj", out: kvWidth, in: hidden, bias: true, arithmetic: arithmetic, language: true),
                         o: try Linear(ck, p + "self_attn.o_proj", out: hidden, in: hidden, bias: false, arithmetic: arithmetic, language: true),
                         postNorm: try RMSNorm(ck, p + "post_attention_layernorm.weight", width: hidden, eps: c.rmsNormEps),
                         gate: try Linear(ck, p + "mlp.gate_proj", out: c.intermediateSize, in: hidden, bias: false, arithmetic: arithmetic, language: true),
                         up: try Linear(ck, p + "mlp.up_proj", out: c.intermediateSize, in: hidden, bias: false, arithmetic: arithmetic, language: true),
                         down: try Linear(ck, p + "mlp.down_proj", out: hidden, in: c.intermediateSize, bias: false, arithmetic: arithmetic, language: true))
        }
        norm = try RMSNorm(ck, "model.norm.weight", width: hidden, eps: c.rmsNormEps)
        if ck.has("lm_head.weight") {
            lmHead = try ck.languageMatrix("lm_head.weight", rows: c.vocabSize, cols: hidden)
        } else if c.tieWordEmbeddings {
            // int8: a Q8_0 copy of the embedding as the head (the lookups keep the stored rows)
            lmHead = ck.int8Cache == nil ? embedTokens
                : try ck.languageMatrix("model.embed_tokens.weight", rows: c.vocabSize, cols: hidden)
        } else {
            throw CheckpointError.missingTensor(name: "lm_head.weight (tie_word_embeddings is false)", directory: ck.url.path)
        }
        invFreq = Qwen2VLRope.inverseFrequencies(dim: c.headDim, theta: c.ropeTheta)
        self.arithmetic = arithmetic
    }

    func makeCache(capacity: Int) -> KVCache {
        KVCache(layers: config.layers, width: config.kvHeads * config.headDim, capacity: capacity)
    }

    /// Writes the embedding rows of `ids` into `out` ([ids.count × hidden]).
    func embed(_ ids: [Int], into out: UnsafeMutablePointer<Float>) {
        let hidden = config.hiddenSize
        for (i, id) in ids.enumerated() { embedTokens.rowsAsFloat(id, count: 1, into: out + i * hidden) }
    }

    /// Runs `rows` new positions (embeddings in `x`, overwritten) through the decoder, appending to
    /// `cache`, and returns the logits of the last row.
    func forward(_ x: FloatBuffer, rows: Int, t: ArraySlice<Int>, h: ArraySlice<Int>, w: ArraySlice<Int>,
                 cache: KVCache) -> [Float] {
        let c = config
        let hidden = c.hiddenSize, kvWidth = c.kvHeads * c.headDim
        let start = cache.count
        cache.reserve(start + rows)
        let normed = FloatBuffer(count: rows * hidden, zeroed: false)
        let q = FloatBuffer(count: rows * hidden, zeroed: false)
        let attn = FloatBuffer(count: rows * hidden, zeroed: false)
        let gate = FloatBuffer(count: rows * c.intermediateSize, zeroed: false)
        let up = FloatBuffer(count: rows * c.intermediateSize, zeroed: false)
        let (cos, sin) = Qwen2VLRope.tables(t: t, h: h, w: w, invFreq: invFreq, section: c.mropeSection)
        let layout = Attention.Layout(heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim)
        let scale = 1 / Float(c.headDim).squareRoot()
        let precision = arithmetic.attentionPrecision(weights: embedTokens.element, queries: rows)

        for (index, layer) in layers.enumerated() {
            let keys = cache.keys(layer: index), values = cache.values(layer: index)
            layer.inputNorm(x.pointer, rows: rows, out: normed.pointer)
            layer.q(normed.pointer, rows: rows, out: q.pointer)
            layer.k(normed.pointer, rows: rows, out: keys + start * kvWidth)
            layer.v(normed.pointer, rows: rows, out: values + start * kvWidth)
            RotaryEmbedding.apply(q.pointer, rows: rows, rowStride: hidden, heads: c.heads, headDim: c.headDim,
                                  cos: cos, sin: sin)
            RotaryEmbedding.apply(keys + start * kvWidth, rows: rows, rowStride: kvWidth, heads: c.kvHeads,
                                  headDim: c.headDim, cos: cos, sin: sin)
            Attention.compute(q: q.pointer, qStride: hidden, k: keys, kStride: kvWidth, v: values, vStride: kvWidth,
                              queries: rows, keys: start + rows, layout: layout, scale: scale, causalOffset: start,
                              precision: precision, out: attn.pointer, outStride: hidden)
            layer.o(attn.pointer, rows: rows, out: normed.pointer)
            Elementwise.add(x.pointer, normed.pointer, count: rows * hidden)
            layer.postNorm(x.pointer, rows: rows, out: normed.pointer)
            layer.gate(normed.pointer, rows: rows, out: gate.pointer)
            layer.up(normed.pointer, rows: rows, out: up.pointer)
            Activations.siluMul(gate.pointer, up.pointer, count: rows * c.intermediateSize)
            layer.down(gate.pointer, rows: rows, out: normed.pointer)
            Elementwise.add(x.pointer, normed.pointer, count: rows * hidden)
        }
        cache.count = start + rows

        let last = x.pointer + (rows - 1) * hidden
        norm(last, rows: 1, out: normed.pointer)
        let logits = FloatBuffer(count: c.vocabSize)
        MatMul.linear(normed.pointer, rows: 1, weight: lmHead, out: logits.pointer, bf16Arithmetic: arithmetic == .native)
        return logits.array
    }
}
