import Foundation
import Imaging
import Kernels
import Tokenizers

/// Qwen2-VL (e.g. Qwen2-VL-OCR-2B) on the CPU: preprocess → vision tower → prefill → decode.
public final class Qwen2VLEngine: OCREngine, @unchecked Sendable {
    public let modelName = "qwen2-vl"
    public let checkpointPath: String
    public let configHash: String
    public let config: Qwen2VLConfig
    public let generationConfig: GenerationConfig
    public let preprocessor: PreprocessorConfig
    let tokenizer: BPETokenizer
    let template: ChatTemplate
    let vision: Qwen2VLVision
    let language: Qwen2VLLanguage
    /// The loop guard used unless the request ignores EOS (see RepetitionGuard).
    public var repetitionGuard = RepetitionGuard()

    /// `arithmetic`: `.native` (default) computes bf16 checkpoints with bf16 products; `.float32`
    /// widens their weights to f32 (parity runs against an f32-compute reference).
    public init(checkpoint: URL, arithmetic: Arithmetic = .native) throws {
        let ck = try CheckpointDirectory(url: checkpoint, normalizeName: Qwen2VLWeightNames.normalize)
        ck.prefetch()
        checkpointPath = checkpoint.path
        configHash = ck.configHash
        config = try Qwen2VLConfig(json: ck.config)
        generationConfig = try GenerationConfig(json: ck.generationConfig, fallbackEOS: config.eosTokenIDs)
        preprocessor = try PreprocessorConfig(json: ck.preprocessorConfig, patchSize: config.vision.patchSize,
                                              temporalPatchSize: config.vision.temporalPatchSize,
                                              mergeSize: config.vision.spatialMergeSize)
        tokenizer = try BPETokenizer(directory: checkpoint)
        template = try ChatTemplate(checkpointDirectory: checkpoint)
        vision = try Qwen2VLVision(ck, config: config.vision, arithmetic: arithmetic)
        language = try Qwen2VLLanguage(ck, config: config.text, arithmetic: arithmetic)
        guard preprocessor.patchSize == config.vision.patchSize,
              preprocessor.temporalPatchSize == config.vision.temporalPatchSize,
              preprocessor.mergeSize == config.vision.spatialMergeSize else {
            throw CheckpointError.invalidValue(
                path: checkpoint.appendingPathComponent("preprocessor_config.json").path, key: "patch_size/merge_size",
                reason: "disagrees with config.json's vision_config")
        }
    }

    /// Everything the model needs for one image, before any network runs.
    struct Prepared {
        var pixels: [Float]
        var gridT: Int
        var gridH: Int
        var gridW: Int
        var width: Int
        var height: Int
        var tokens: [Int]
        var positions: Qwen2VLRope.Positions
        var imageTokens: Int { gridT * gridH * gridW / 4 }
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

    /// The chat-template prompt with the image's pad run expanded, tokenized (reference §6).
    func promptTokens(text: String, imageTokens: Int) throws -> [Int] {
        guard let pad = tokenizer.token(forID: config.imageTokenID) else {
            throw OCRError.tokenizer(reason: "image_token_id \(config.imageTokenID) from config.json has no token in tokenizer.json")
        }
        let markup = template.imageMarkup.replacingOccurrences(of: pad, with: String(repeating: pad, count: imageTokens))
        let rendered = try template.renderUserTurn(imagePlaceholder: markup, text: text)
        let ids = tokenizer.encode(rendered)
        let count = ids.reduce(0) { $0 + ($1 == config.imageTokenID ? 1 : 0) }
        guard count == imageTokens else {
            throw OCRError.promptMismatch(reason: "expected \(imageTokens) \(pad) tokens, found \(count) (does the prompt contain \(pad)?)")
        }
        return ids
    }

    func prepare(_ image: RGBImage, request: OCRRequest) throws -> Prepared {
        let pre = try preprocess(image, maxPixels: request.maxPixels)
        let imageTokens = pre.gridH * pre.gridW / (preprocessor.mergeSize * preprocessor.mergeSize)
        let tokens = try promptTokens(text: request.prompt, imageTokens: imageTokens)
        let positions = Qwen2VLRope.positions(tokens: tokens, imageTokenID: config.imageTokenID,
                                              grids: [(1, pre.gridH, pre.gridW)], mergeSize: preprocessor.mergeSize)
        return Prepared(pixels: pre.pixels, gridT: 1, gridH: pre.gridH, gridW: pre.gridW, width: pre.width,
                        height: pre.height, tokens: tokens, positions: positions)
    }

    public func read(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void) throws -> OCRResult {
        try run(image, request: request, onEvent: onEvent, onLogits: nil)
    }

    /// `read` with a hook that sees the raw logits before each pick (parity tests).
    func run(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void,
             onLogits: (([Float]) -> Void)?) throws -> OCRResult {
        var timings = OCRTimings()
        var clock = Stopwatch()
        let prepared = try prepare(image, request: request)
        timings.preprocessMs = clock.lap()
        onEvent(.preprocessed(width: prepared.width, height: prepared.height, imageTokens: prepared.imageTokens,
                              promptTokens: prepared.tokens.count))

        let pixels = FloatBuffer(prepared.pixels)
        let embeddings = vision.forward(pixels: pixels.pointer, gridT: prepared.gridT, gridH: prepared.gridH,
                                        gridW: prepared.gridW) { done in
            onEvent(.visionLayer(done: done, of: vision.blocks.count))
        }
        timings.visionMs = clock.lap()

        let promptCount = prepared.tokens.count
        let maxNew = max(0, request.maxNewTokens)
        let cache = language.makeCache(capacity: promptCount + maxNew + 1)
        let hidden = config.text.hiddenSize
        let x = FloatBuffer(count: promptCount * hidden)
        language.embed(prepared.tokens, into: x.pointer)
        var imageRow = 0
        for (i, id) in prepared.tokens.enumerated() where id == config.imageTokenID {
            (x.pointer + i * hidden).update(from: embeddings.pointer + imageRow * hidden, count: hidden)
            imageRow += 1
        }
        let pos = prepared.positions
        let firstLogits = language.forward(x, rows: promptCount, t: pos.t[...], h: pos.h[...], w: pos.w[...], cache: cache)
        timings.prefillMs = clock.lap()
        onEvent(.prefillDone)

        let step = FloatBuffer(count: hidden)
        let outcome = DecodeLoop.generate(request: request, generation: generationConfig,
                                          repetitionGuard: repetitionGuard, tokenizer: tokenizer,
                                          firstLogits: firstLogits, prompt: prepared.tokens,
                                          onEvent: onEvent, onLogits: onLogits) { id in
            let p = cache.count + pos.ropeDelta
            language.embed([id], into: step.pointer)
            return language.forward(step, rows: 1, t: [p][...], h: [p][...], w: [p][...], cache: cache)
        }
        timings.generateMs = clock.lap()
        timings.totalMs = clock.total
        return OCRResult(text: outcome.text, tokens: outcome.tokens, logprobs: outcome.logprobs, promptTokens: promptCount,
                         finishReason: outcome.finishReason, timings: timings,
                         processedWidth: prepared.width, processedHeight: prepared.height)
    }
}
