import Foundation
import Imaging
import Kernels
import Tokenizers

/// Qwen2-VL (reference §1–§6): smart_resize → patches → vision tower with 2-D RoPE and 2×2 merger;
/// a Qwen2 decoder with M-RoPE positions (t, h, w) over the prompt.
public final class Qwen2VLModel: VisionLanguageModel, @unchecked Sendable {
    public static let modelType = "qwen2_vl"
    public static let displayName = "qwen2-vl"
    public static func normalizeWeightName(_ name: String) -> String { Qwen2VLWeightNames.normalize(name) }

    public let config: Qwen2VLConfig
    public let preprocessor: PreprocessorConfig
    let vision: Qwen2VLVision
    let language: Qwen2VLLanguage
    public let contextLength: Int

    public init(checkpoint ck: CheckpointDirectory, arithmetic: Arithmetic) throws {
        config = try Qwen2VLConfig(json: ck.config)
        preprocessor = try PreprocessorConfig(json: ck.preprocessorConfig, patchSize: config.vision.patchSize,
                                              temporalPatchSize: config.vision.temporalPatchSize,
                                              mergeSize: config.vision.spatialMergeSize)
        guard preprocessor.patchSize == config.vision.patchSize,
              preprocessor.temporalPatchSize == config.vision.temporalPatchSize,
              preprocessor.mergeSize == config.vision.spatialMergeSize else {
            throw CheckpointError.invalidValue(
                path: ck.url.appendingPathComponent("preprocessor_config.json").path, key: "patch_size/merge_size",
                reason: "disagrees with config.json's vision_config")
        }
        // Qwen2VLTextConfig's default; 4.57 writes it at the top level and in text_config.
        contextLength = try ck.config.int("max_position_embeddings", in: ConfigLimits.context)
            ?? ck.config.object("text_config")?.int("max_position_embeddings", in: ConfigLimits.context) ?? 32768
        guard contextLength > 0 else {
            throw CheckpointError.invalidValue(path: ck.url.appendingPathComponent("config.json").path, key: "max_position_embeddings", reason: "must be positive")
        }
        vision = try Qwen2VLVision(ck, config: config.vision, arithmetic: arithmetic)
        language = try Qwen2VLLanguage(ck, config: config.text, arithmetic: arithmetic)
    }

    public var eosTokenIDs: [Int] { config.eosTokenIDs }
    public var imageTokenID: Int { config.imageTokenID }
    public var hiddenSize: Int { config.text.hiddenSize }
    public var visionLayerCount: Int { vision.blocks.count }

    public func validate(tokenizer: BPETokenizer, checkpoint: URL) throws {
        guard tokenizer.token(forID: config.imageTokenID) != nil else {
            throw CheckpointError.invalidValue(path: checkpoint.appendingPathComponent("config.json").path, key: "image_token_id",
                                               reason: "(\(config.imageTokenID)) has no token in the tokenizer")
        }
    }

    /// Everything the model needs for one image, before any network runs.
    public struct Inputs: ModelInputs {
        var pixels: [Float]
        var gridT: Int
        var gridH: Int
        var gridW: Int
        public var width: Int
        public var height: Int
        public var tokens: [Int]
        var positions: Qwen2VLRope.Positions
        public var imageTokens: Int { gridT * gridH * gridW / 4 }
    }

    /// smart_resize → PIL bicubic → rescale/normalise → patches (reference §3).
    func preprocess(_ image: RGBImage, maxPixels: Int?) throws -> (pixels: [Float], gridH: Int, gridW: Int, width: Int, height: Int) {
        let p = preprocessor
        let factor = p.patchSize * p.mergeSize
        let size: (height: Int, width: Int)
        do {
            size = try SmartResize.size(height: image.height, width: image.width, factor: factor,
                                        minPixels: p.minPixels, maxPixels: min(maxPixels ?? p.maxPixels, p.maxPixels))
        } catch {
            throw OCRError.imageRejected(reason: error.description)
        }
        let resized = (size.width == image.width && size.height == image.height)
            ? image : BicubicResampler.resize(image, width: size.width, height: size.height)
        let normalized = Normalizer.normalize(resized, mean: p.imageMean, std: p.imageStd, rescale: p.rescaleFactor)
        let patches = Patchifier.patches(normalized, patchSize: p.patchSize, temporalPatchSize: p.temporalPatchSize,
                                         mergeSize: p.mergeSize)
        return (patches.values, patches.gridH, patches.gridW, size.width, size.height)
    }

    /// The template's image markup holds one image token; the processor repeats it once per merged
    /// patch (reference §6).
    public func prepare(_ image: RGBImage, request: OCRRequest, prompt: ImagePrompt) throws -> Inputs {
        let pre = try preprocess(image, maxPixels: request.maxPixels)
        let imageTokens = pre.gridH * pre.gridW / (preprocessor.mergeSize * preprocessor.mergeSize)
        let pad = try prompt.imageToken()
        let tokens = try prompt.tokens(text: request.prompt, imageTokens: imageTokens) { rendered in
            rendered.replacingOccurrences(of: pad, with: String(repeating: pad, count: imageTokens))
        }
        let positions = Qwen2VLRope.positions(tokens: tokens, imageTokenID: config.imageTokenID,
                                              grids: [(1, pre.gridH, pre.gridW)], mergeSize: preprocessor.mergeSize)
        return Inputs(pixels: pre.pixels, gridT: 1, gridH: pre.gridH, gridW: pre.gridW, width: pre.width,
                      height: pre.height, tokens: tokens, positions: positions)
    }

    public func encodeImage(_ inputs: Inputs, onLayer: (Int) -> Void) throws -> FloatBuffer {
        let pixels = FloatBuffer(inputs.pixels)
        return withExtendedLifetime(pixels) {
            vision.forward(pixels: pixels.pointer, gridT: inputs.gridT, gridH: inputs.gridH, gridW: inputs.gridW,
                           onLayer: onLayer)
        }
    }

    public func makeCache(capacity: Int) -> KVCache { language.makeCache(capacity: capacity) }

    public func embed(_ ids: [Int], into out: UnsafeMutablePointer<Float>) { language.embed(ids, into: out) }

    public func prefill(_ x: FloatBuffer, inputs: Inputs, cache: KVCache) -> [Float] {
        let pos = inputs.positions
        return language.forward(x, rows: inputs.tokens.count, t: pos.t[...], h: pos.h[...], w: pos.w[...], cache: cache)
    }

    /// After the prompt every new position is text: t = h = w = its index + rope_delta.
    public func step(_ x: FloatBuffer, inputs: Inputs, cache: KVCache) -> [Float] {
        let p = cache.count + inputs.positions.ropeDelta
        return language.forward(x, rows: 1, t: [p][...], h: [p][...], w: [p][...], cache: cache)
    }
}
