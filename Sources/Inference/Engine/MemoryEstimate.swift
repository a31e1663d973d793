import Foundation
import Kernels

/// What loading a checkpoint and reading one scan with it costs in memory, estimated from the files
/// alone (nothing is mapped or allocated): the weights (the safetensors files, mapped and paged in
/// whole by a read), the KV cache for the prompt plus the tokens to generate (f32 keys and values,
/// every layer), and the activations of the largest image a read lets through (the scan's
/// `max_pixels`, capped by the preprocessor's as the engine caps it). Used to refuse a load the
/// machine cannot hold instead of thrashing for hours.
public struct MemoryEstimate: Sendable, Equatable {
    public var weightBytes: Int64
    /// KV cache bytes per position (all layers, keys and values).
    public var kvBytesPerToken: Int64
    /// Prompt positions of the largest image (image tokens plus an allowance for the text).
    public var maxPromptTokens: Int
    /// Vision tower and prefill activations for that image.
    public var activationBytes: Int64

    /// Everything, for a read that generates up to `maxTokens`.
    public func totalBytes(maxTokens: Int) -> Int64 {
        weightBytes + kvBytes(maxTokens: maxTokens) + activationBytes
    }

    public func kvBytes(maxTokens: Int) -> Int64 { kvBytesPerToken * Int64(maxPromptTokens + max(0, maxTokens)) }

    /// Prompt text beside the image (template, instruction): the prompt cap is far below this.
    public static let textAllowance = 512

    /// Reads config.json (and the preprocessor config) of the checkpoint at `url`, for reads of at most
    /// `maxPixels` (nil: the preprocessor's own maximum).
    public static func of(checkpoint url: URL, maxPixels: Int? = nil) throws -> MemoryEstimate {
        let configURL = url.appendingPathComponent("config.json")
        guard let config = try JSONObject.load(configURL) else { throw CheckpointError.missingFile(path: configURL.path) }
        let weights = try CheckpointDirectory.weightFiles(in: url).reduce(Int64(0)) { total, path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
        let preprocessor = try JSONObject.load(url.appendingPathComponent("preprocessor_config.json"), optional: true)
        switch try EngineOpener.modelType(checkpoint: url) {
        case AyaVisionModel.modelType:
            return aya(try AyaVisionConfig(json: config), preprocessor: try preprocessor.map { try AyaVisionPreprocessorConfig(json: $0) },
                       weights: weights)
        default:
            let qwen = try Qwen2VLConfig(json: config)
            return try self.qwen(qwen, preprocessor: PreprocessorConfig(json: preprocessor, patchSize: qwen.vision.patchSize,
                                                                        temporalPatchSize: qwen.vision.temporalPatchSize,
                                                                        mergeSize: qwen.vision.spatialMergeSize),
                                 weights: weights, maxPixels: maxPixels)
        }
    }

    static func qwen(_ c: Qwen2VLConfig, preprocessor p: PreprocessorConfig, weights: Int64, maxPixels: Int? = nil) -> MemoryEstimate {
        let pixels = min(maxPixels ?? p.maxPixels, p.maxPixels)
        let patches = Int64(pixels / max(1, c.vision.patchSize * c.vision.patchSize))
        let imageTokens = Int(patches) / max(1, c.vision.spatialMergeSize * c.vision.spatialMergeSize)
        let prompt = imageTokens + textAllowance
        // Vision: residual, norm, qkv, attention output and the MLP per patch, plus each attention
        // worker's scores (a query block against every key: attention never holds a full score matrix).
        let vision = patches * Int64(8 * c.vision.embedDim + 2 * c.vision.mlpDim) * 4 + attentionScratch(keys: patches)
        return MemoryEstimate(weightBytes: weights,
                              kvBytesPerToken: Int64(c.text.layers * 2 * c.text.kvHeads * c.text.headDim * 4),
                              maxPromptTokens: prompt,
                              activationBytes: vision + prefill(tokens: prompt, hidden: c.text.hiddenSize,
                                                                ffn: c.text.intermediateSize, vocab: c.text.vocabSize))
    }

    static func aya(_ c: AyaVisionConfig, preprocessor p: AyaVisionPreprocessorConfig?, weights: Int64) -> MemoryEstimate {
        let tiles = Int64((p ?? AyaVisionPreprocessorConfig()).maxTiles + 1)  // the tiles and the global view
        let patches = tiles * Int64(c.vision.patchesPerTile)
        let prompt = Int(tiles) * c.tokensPerTile + textAllowance
        let vision = patches * Int64(8 * c.vision.hiddenSize + 2 * c.vision.intermediateSize) * 4
            + attentionScratch(keys: Int64(c.vision.patchesPerTile))
        return MemoryEstimate(weightBytes: weights,
                              kvBytesPerToken: Int64(c.text.layers * 2 * c.text.kvHeads * c.text.headDim * 4),
                              maxPromptTokens: prompt,
                              activationBytes: vision + prefill(tokens: prompt, hidden: c.text.hiddenSize,
                                                                ffn: c.text.intermediateSize, vocab: c.text.vocabSize))
    }

    /// Score rows of one query block per attention worker (Attention.compute's largest buffer).
    static func attentionScratch(keys: Int64) -> Int64 {
        Int64(max(1, Parallel.threadCount)) * Int64(Attention.block) * keys * 4
    }

    /// Prefill: hidden states, q/k/v, MLP for every prompt position, and one row of logits.
    private static func prefill(tokens: Int, hidden: Int, ffn: Int, vocab: Int) -> Int64 {
        Int64(tokens) * Int64(6 * hidden + 3 * ffn) * 4 + Int64(vocab) * 4
    }
}
