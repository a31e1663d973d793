import Foundation

/// Aya Vision's config.json (`AyaVisionConfig` with a SigLIP `vision_config` and a Cohere2
/// `text_config`, transformers 4.57.6). Keys missing from the nested configs take the defaults of
/// SiglipVisionConfig / Cohere2Config, as `from_pretrained` does — the real aya-vision-8b file holds
/// only a dozen keys (see `Tests/Fixtures/real-layout/aya-vision-8b/config.json`). Keys transformers
/// ignores are ignored here too (`alignment_activation_fn`, `projector_hidden_act`: the projector is
/// always SwiGLU; `torch_dtype`/`dtype`: the weights' dtype comes from the safetensors headers); values
/// the engine cannot honour are errors naming config.json and the key.
public struct AyaVisionConfig: Sendable, Equatable {
    /// SigLIP vision tower (`siglip/configuration_siglip.py`).
    public struct Vision: Sendable, Equatable {
        public var hiddenSize: Int
        public var intermediateSize: Int
        public var layers: Int
        public var heads: Int
        public var channels: Int
        public var imageSize: Int
        public var patchSize: Int
        public var hiddenAct: String
        public var layerNormEps: Float

        public var headDim: Int { hiddenSize / heads }
        public var patchesPerSide: Int { imageSize / patchSize }
        public var patchesPerTile: Int { patchesPerSide * patchesPerSide }
        /// Values of one flattened patch: channels × patch × patch (588 for 14-px patches).
        public var patchValues: Int { channels * patchSize * patchSize }
    }

    /// Cohere2 language model (`cohere2/configuration_cohere2.py`).
    public struct Text: Sendable, Equatable {
        public var vocabSize: Int
        public var hiddenSize: Int
        public var intermediateSize: Int
        public var layers: Int
        public var heads: Int
        public var kvHeads: Int
        public var headDim: Int
        public var layerNormEps: Float
        public var ropeTheta: Float
        public var slidingWindow: Int
        /// Per layer: true = sliding-window attention with RoPE; false = full attention without RoPE.
        public var slidingLayers: [Bool]
        public var attentionBias: Bool
        public var tieWordEmbeddings: Bool
        /// Read for the record: AyaVisionForConditionalGeneration (4.57.6) does NOT multiply the
        /// logits by it (only Cohere2ForCausalLM does), so neither does this engine.
        public var logitScale: Float
        public var eosTokenIDs: [Int]
        /// Cohere2Config defaults 5 / 0 (the Cohere tokenizer's `<BOS_TOKEN>` / `<PAD>`).
        public var bosTokenID: Int?
        public var padTokenID: Int?
    }

    public var vision: Vision
    public var text: Text
    public var imageTokenID: Int
    public var downsampleFactor: Int
    public var adapterLayerNormEps: Float
    public var alignmentIntermediateSize: Int
    /// How many SigLIP layers run: the hidden state the projector reads (`vision_feature_layer`;
    /// -1 = the last layer's output, before SigLIP's post_layernorm, which Aya never applies).
    public var visionLayersUsed: Int

    /// Prompt tokens per tile after the pixel shuffle.
    public var tokensPerTile: Int {
        let side = vision.patchesPerSide / downsampleFactor
        return side * side
    }

    public init(json: JSONObject) throws {
        let modelType = try json.string("model_type")
        guard modelType == "aya_vision" else {
            throw CheckpointError.unsupportedModel(path: json.path,
                                                   reason: "model_type is \(modelType ?? "missing"), expected aya_vision")
        }
        let v = json.object("vision_config") ?? JSONObject(path: json.path, values: [:], keyPrefix: "vision_config.")
        let t = json.object("text_config") ?? JSONObject(path: json.path, values: [:], keyPrefix: "text_config.")
        if let type = try v.string("model_type"), type != "siglip_vision_model" {
            throw CheckpointError.unsupportedModel(path: json.path, reason: "vision_config.model_type \(type) is not siglip_vision_model")
        }
        if let type = try t.string("model_type"), type != "cohere2" {
            throw CheckpointError.unsupportedModel(path: json.path, reason: "text_config.model_type \(type) is not cohere2")
        }
        vision = Vision(hiddenSize: try Self.positive(v, "hidden_size", 768, json, ConfigLimits.width),
                        intermediateSize: try Self.positive(v, "intermediate_size", 3072, json, ConfigLimits.ffn),
                        layers: try Self.positive(v, "num_hidden_layers", 12, json, ConfigLimits.layers),
                        heads: try Self.positive(v, "num_attention_heads", 12, json, ConfigLimits.heads),
                        channels: try Self.positive(v, "num_channels", 3, json, ConfigLimits.channels),
                        imageSize: try Self.positive(v, "image_size", 224, json, ConfigLimits.imageSide),
                        patchSize: try Self.positive(v, "patch_size", 16, json, ConfigLimits.patch),
                        hiddenAct: try v.string("hidden_act") ?? "gelu_pytorch_tanh",
                        layerNormEps: Float(try v.double("layer_norm_eps") ?? 1e-6))
        try Self.check(vision, json: json)

        let hidden = try Self.positive(t, "hidden_size", 8192, json, ConfigLimits.width)
        let heads = try Self.positive(t, "num_attention_heads", 64, json, ConfigLimits.heads)
        guard hidden % heads == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "text_config.num_attention_heads",
                                               reason: "(\(heads)) must divide hidden_size (\(hidden))")
        }
        let kvHeads = try Self.positive(t, "num_key_value_heads", heads, json, ConfigLimits.heads)
        guard heads % kvHeads == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "text_config.num_key_value_heads",
                                               reason: "(\(kvHeads)) must divide num_attention_heads (\(heads))")
        }
        let layers = try Self.positive(t, "num_hidden_layers", 40, json, ConfigLimits.layers)
        if let scaling = t.object("rope_scaling"), let type = try scaling.string("rope_type") ?? scaling.string("type"),
           type != "default" {
            throw CheckpointError.invalidValue(path: json.path, key: "text_config.rope_scaling",
                                               reason: "type \(type) is not supported (only default RoPE)")
        }
        if let act = try t.string("hidden_act"), act != "silu" {
            throw CheckpointError.invalidValue(path: json.path, key: "text_config.hidden_act",
                                               reason: "is \(act); the Cohere2 MLP here is SiLU-gated (\"silu\", the default)")
        }
        if try t.bool("use_qk_norm") == true {
            throw CheckpointError.invalidValue(path: json.path, key: "text_config.use_qk_norm",
                                               reason: "is true; Cohere2 (and this engine) has no query/key norm")
        }
        // Cohere2Config sets head_dim = hidden_size // num_attention_heads, then a head_dim key in the file
        // (PretrainedConfig's **kwargs) overrides it.
        let headDim = try Self.positive(t, "head_dim", hidden / heads, json, ConfigLimits.headDim)
        guard headDim % 2 == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "text_config.head_dim", reason: "(\(headDim)) must be even (RoPE pairs)")
        }
        let eps = try t.double("layer_norm_eps") ?? 1e-5
        guard eps > 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "text_config.layer_norm_eps", reason: "must be positive")
        }
        let vocab = try Self.positive(t, "vocab_size", 256_000, json, ConfigLimits.vocab)
        // Token ids the file states index the embedding table: each must be below vocab_size.
        let ids = ConfigLimits.tokenID(vocabSize: vocab)
        text = Text(vocabSize: vocab,
                    hiddenSize: hidden,
                    intermediateSize: try Self.positive(t, "intermediate_size", 22528, json, ConfigLimits.ffn),
                    layers: layers,
                    heads: heads,
                    kvHeads: kvHeads,
                    headDim: headDim,
                    layerNormEps: Float(eps),
                    ropeTheta: Float(try t.double("rope_theta") ?? 10000),
                    slidingWindow: try Self.positive(t, "sliding_window", 4096, json, ConfigLimits.context),
                    slidingLayers: try Self.slidingLayers(t, layers: layers, path: json.path),
                    attentionBias: try t.bool("attention_bias") ?? false,
                    // The head is tied when the TEXT config says so (transformers ties on
                    // get_text_config().tie_word_embeddings; a top-level key does not count).
                    tieWordEmbeddings: try t.bool("tie_word_embeddings") ?? true,
                    logitScale: Float(try t.double("logit_scale") ?? 0.0625),
                    // Only used without generation_config.json (GenerationConfig.from_model_config: a top-level
                    // value, else the text config's).
                    eosTokenIDs: try json.ints("eos_token_id", in: ids) ?? t.ints("eos_token_id", in: ids) ?? [255001],
                    bosTokenID: try Self.tokenID(t, "bos_token_id", default: 5, in: ids),
                    padTokenID: try Self.tokenID(t, "pad_token_id", default: 0, in: ids))
        guard text.ropeTheta > 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "text_config.rope_theta", reason: "must be positive")
        }

        imageTokenID = try json.int("image_token_index", in: ids) ?? json.int("image_token_id", in: ids) ?? 255036
        downsampleFactor = try Self.positive(json, "downsample_factor", 2, json, ConfigLimits.factor)
        adapterLayerNormEps = Float(try json.double("adapter_layer_norm_eps") ?? 1e-6)
        alignmentIntermediateSize = try Self.positive(json, "alignment_intermediate_size", hidden, json, ConfigLimits.ffn)
        guard downsampleFactor > 0, vision.patchesPerSide % downsampleFactor == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "downsample_factor",
                                               reason: "(\(downsampleFactor)) must divide the \(vision.patchesPerSide) patches per side")
        }
        guard alignmentIntermediateSize > 0, alignmentIntermediateSize % 2 == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "alignment_intermediate_size",
                                               reason: "must be positive and even (SwiGLU halves it)")
        }
        if let strategy = try json.string("vision_feature_select_strategy"), strategy != "full" {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_feature_select_strategy",
                                               reason: "is \(strategy); only \"full\" is supported (SigLIP has no CLS token)")
        }
        let layer = try json.int("vision_feature_layer", in: -ConfigLimits.layers.upperBound...ConfigLimits.layers.upperBound) ?? -1
        visionLayersUsed = layer < 0 ? vision.layers + 1 + layer : layer
        guard (1...vision.layers).contains(visionLayersUsed) else {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_feature_layer",
                                               reason: "(\(layer)) must name one of the \(vision.layers) vision layers")
        }
    }

    /// A token id key: the class default when absent, nil when the file sets it to null.
    static func tokenID(_ holder: JSONObject, _ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int? {
        guard holder.values.keys.contains(key) else { return fallback }
        return try holder.int(key, in: range)
    }

    /// An integer key that must be positive, or `fallback` (the config class's default) when absent.
    /// `holder` is the (nested) object, `json` the file for the error message.
    static func positive(_ holder: JSONObject, _ key: String, _ fallback: Int, _ json: JSONObject,
                         _ range: ClosedRange<Int>) throws -> Int {
        let value = try holder.int(key) ?? fallback
        guard value > 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: holder.keyPrefix + key, reason: "(\(value)) must be a positive integer")
        }
        try holder.checkRange(value, key, range)
        return value
    }

    private static func check(_ v: Vision, json: JSONObject) throws {
        guard ["gelu_pytorch_tanh", "gelu_new", "gelu_fast", "gelu", "quick_gelu", "silu", "swish"].contains(v.hiddenAct) else {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_config.hidden_act", reason: "\(v.hiddenAct) is not supported")
        }
        guard v.hiddenSize > 0, v.heads > 0, v.hiddenSize % v.heads == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_config.num_attention_heads",
                                               reason: "(\(v.heads)) must divide hidden_size (\(v.hiddenSize))")
        }
        guard v.patchSize > 0, v.imageSize % v.patchSize == 0, v.layers > 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_config.image_size",
                                               reason: "(\(v.imageSize)) must be a multiple of patch_size (\(v.patchSize))")
        }
    }

    /// `layer_types` when present (4.57 writes it), else the hub's `sliding_window_pattern` (default 4):
    /// layer i is sliding unless (i + 1) is a multiple of the pattern. A `_sliding_window_pattern` key
    /// alone does not count: Cohere2Config overwrites that attribute from `sliding_window_pattern`.
    private static func slidingLayers(_ t: JSONObject, layers: Int, path: String) throws -> [Bool] {
        if let types = t.values["layer_types"] as? [Any] {
            let names = types.compactMap { $0 as? String }
            guard names.count == layers, names.allSatisfy({ $0 == "sliding_attention" || $0 == "full_attention" }) else {
                throw CheckpointError.invalidValue(path: path, key: "text_config.layer_types",
                                                   reason: "must list \(layers) of sliding_attention/full_attention")
            }
            return names.map { $0 == "sliding_attention" }
        }
        let pattern = try t.int("sliding_window_pattern", in: ConfigLimits.layers) ?? 4
        guard pattern > 0 else {
            throw CheckpointError.invalidValue(path: path, key: "text_config.sliding_window_pattern", reason: "must be positive")
        }
        return (0..<layers).map { ($0 + 1) % pattern != 0 }
    }
}
