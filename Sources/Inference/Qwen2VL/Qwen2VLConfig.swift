import Foundation

/// Qwen2-VL's config.json, read with the rules of reference §1.2: text fields from `text_config` when
/// present else top level; `mrope_section` from rope_scaling or rope_parameters; sparse vision_config
/// filled from the class defaults; special ids from the config (defaults: the published ids).
public struct Qwen2VLConfig: Sendable, Equatable {
    public struct Text: Sendable, Equatable {
        public var hiddenSize: Int
        public var layers: Int
        public var heads: Int
        public var kvHeads: Int
        public var headDim: Int
        public var intermediateSize: Int
        public var vocabSize: Int
        public var rmsNormEps: Float
        public var ropeTheta: Float
        public var mropeSection: [Int]
        public var tieWordEmbeddings: Bool
    }

    public struct Vision: Sendable, Equatable {
        public var depth: Int
        public var embedDim: Int
        public var heads: Int
        public var mlpRatio: Double
        public var hiddenSize: Int
        public var patchSize: Int
        public var spatialMergeSize: Int
        public var temporalPatchSize: Int
        public var inChannels: Int
        public var hiddenAct: String

        public var headDim: Int { embedDim / heads }
        public var mlpDim: Int { Int(Double(embedDim) * mlpRatio) }
        /// Values per patch row: channels × temporal × patch × patch (1176 for the 2B model).
        public var patchValues: Int { inChannels * temporalPatchSize * patchSize * patchSize }
    }

    public var text: Text
    public var vision: Vision
    public var imageTokenID: Int
    public var videoTokenID: Int
    public var visionStartTokenID: Int
    public var visionEndTokenID: Int
    public var eosTokenIDs: [Int]

    public init(json: JSONObject) throws {
        let t = json.object("text_config")
        func textInt(_ key: String, _ range: ClosedRange<Int>) throws -> Int? { try t?.int(key, in: range) ?? json.int(key, in: range) }
        func textDouble(_ key: String) throws -> Double? { try t?.double(key) ?? json.double(key) }

        let hidden = try json.require(textInt("hidden_size", ConfigLimits.width), "hidden_size")
        let heads = try json.require(textInt("num_attention_heads", ConfigLimits.heads), "num_attention_heads")
        guard heads > 0, hidden % heads == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "num_attention_heads",
                                               reason: "(\(heads)) must divide hidden_size (\(hidden))")
        }
        let kvHeads = try textInt("num_key_value_heads", ConfigLimits.heads) ?? heads
        guard kvHeads > 0, heads % kvHeads == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "num_key_value_heads",
                                               reason: "(\(kvHeads)) must divide num_attention_heads (\(heads))")
        }
        let headDim = hidden / heads
        let section = try Self.mropeSection(json)
        guard section.count == 3, section.allSatisfy({ $0 >= 0 }), section.reduce(0, +) * 2 == headDim else {
            throw CheckpointError.invalidValue(path: json.path, key: "rope_scaling.mrope_section",
                                               reason: "\(section) must be 3 non-negative integers (temporal, height, width) summing to head_dim/2 = \(headDim / 2)")
        }
        let ropeTheta = try textDouble("rope_theta")
            ?? json.object("rope_parameters")?.double("rope_theta")
            ?? t?.object("rope_parameters")?.double("rope_theta") ?? 1_000_000
        text = Text(
            hiddenSize: hidden,
            layers: try json.require(textInt("num_hidden_layers", ConfigLimits.layers), "num_hidden_layers"),
            heads: heads, kvHeads: kvHeads, headDim: headDim,
            intermediateSize: try json.require(textInt("intermediate_size", ConfigLimits.ffn), "intermediate_size"),
            vocabSize: try json.require(textInt("vocab_size", ConfigLimits.vocab), "vocab_size"),
            rmsNormEps: Float(try textDouble("rms_norm_eps") ?? 1e-6),
            ropeTheta: Float(ropeTheta),
            mropeSection: section,
            tieWordEmbeddings: try json.bool("tie_word_embeddings") ?? t?.bool("tie_word_embeddings") ?? true)

        let v = json.object("vision_config") ?? JSONObject(path: json.path, values: [:], keyPrefix: "vision_config.")
        vision = Vision(
            depth: try v.int("depth", in: ConfigLimits.layers) ?? 32,
            embedDim: try v.int("embed_dim", in: ConfigLimits.width) ?? 1280,
            heads: try v.int("num_heads", in: ConfigLimits.heads) ?? 16,
            mlpRatio: try v.double("mlp_ratio") ?? 4,
            hiddenSize: try v.int("hidden_size", in: ConfigLimits.width) ?? 3584,
            patchSize: try v.int("patch_size", in: ConfigLimits.patch) ?? 14,
            spatialMergeSize: try v.int("spatial_merge_size", in: ConfigLimits.factor) ?? 2,
            temporalPatchSize: try v.int("temporal_patch_size", in: ConfigLimits.factor) ?? 2,
            inChannels: try v.int("in_channels", in: ConfigLimits.channels) ?? v.int("in_chans", in: ConfigLimits.channels) ?? 3,
            hiddenAct: try v.string("hidden_act") ?? "quick_gelu")
        let counts = [("hidden_size", hidden), ("num_hidden_layers", text.layers), ("intermediate_size", text.intermediateSize),
                      ("vocab_size", text.vocabSize), ("vision_config.depth", vision.depth),
                      ("vision_config.embed_dim", vision.embedDim), ("vision_config.patch_size", vision.patchSize),
                      ("vision_config.spatial_merge_size", vision.spatialMergeSize),
                      ("vision_config.temporal_patch_size", vision.temporalPatchSize), ("vision_config.in_chans", vision.inChannels)]
        for (key, value) in counts where value <= 0 {
            throw CheckpointError.invalidValue(path: json.path, key: key, reason: "(\(value)) must be a positive integer")
        }
        guard vision.mlpRatio > 0, vision.mlpRatio.isFinite, vision.mlpRatio * Double(vision.embedDim) <= Double(ConfigLimits.ffn.upperBound),
              vision.mlpDim > 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_config.mlp_ratio", reason: "(\(vision.mlpRatio)) must be positive")
        }
        guard vision.heads > 0, vision.embedDim % vision.heads == 0, vision.headDim % 4 == 0 else {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_config.num_heads",
                                               reason: "(\(vision.heads)) must divide embed_dim \(vision.embedDim) into heads of a multiple of 4")
        }
        guard vision.hiddenSize == hidden else {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_config.hidden_size",
                                               reason: "(\(vision.hiddenSize)) must equal the language model's hidden_size (\(hidden))")
        }
        guard ["quick_gelu", "gelu", "silu"].contains(vision.hiddenAct) else {
            throw CheckpointError.invalidValue(path: json.path, key: "vision_config.hidden_act",
                                               reason: "\"\(vision.hiddenAct)\" is not supported")
        }
        // Token ids index the embedding table: each must be below vocab_size.
        let ids = ConfigLimits.tokenID(vocabSize: text.vocabSize)
        imageTokenID = try json.int("image_token_id", in: ids) ?? t?.int("image_token_id", in: ids) ?? 151655
        videoTokenID = try json.int("video_token_id", in: ids) ?? 151656
        visionStartTokenID = try json.int("vision_start_token_id", in: ids) ?? 151652
        visionEndTokenID = try json.int("vision_end_token_id", in: ids) ?? 151653
        eosTokenIDs = try json.ints("eos_token_id", in: ids) ?? t?.ints("eos_token_id", in: ids) ?? [151645]
    }

    /// `mrope_section` from rope_scaling (4.x) or rope_parameters (5.x), top level or in text_config.
    static func mropeSection(_ json: JSONObject) throws -> [Int] {
        let t = json.object("text_config")
        for holder in [json, t].compactMap({ $0 }) {
            for key in ["rope_scaling", "rope_parameters"] {
                if let section = try holder.object(key)?.ints("mrope_section") { return section }
            }
        }
        throw CheckpointError.missingKey(path: json.path, key: "rope_scaling.mrope_section")
    }
}
