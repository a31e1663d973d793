import Foundation
import Imaging
import Kernels
import Tokenizers

/// Aya Vision (e.g. aya-vision-8b) on the CPU: tile → SigLIP + projector → Cohere2 prefill → decode.
public final class AyaVisionEngine: OCREngine, @unchecked Sendable {
    public let modelName = "aya-vision"
    public let checkpointPath: String
    public let configHash: String
    public let config: AyaVisionConfig
    public let generationConfig: GenerationConfig
    public let preprocessor: AyaVisionPreprocessorConfig
    let imageProcessor: AyaVisionImageProcessor
    let tokenizer: BPETokenizer
    let template: ChatTemplate
    let vision: AyaVisionVision
    let language: AyaVisionLanguage
    /// The loop guard used unless the request ignores EOS (see RepetitionGuard).
    public var repetitionGuard = RepetitionGuard()

    public init(checkpoint: URL) throws {
        let ck = try CheckpointDirectory(url: checkpoint, normalizeName: AyaVisionWeightNames.normalize)
        checkpointPath = checkpoint.path
        configHash = ck.configHash
        config = try AyaVisionConfig(json: ck.config)
        generationConfig = try GenerationConfig(json: ck.generationConfig, fallbackEOS: config.text.eosTokenIDs)
        preprocessor = try AyaVisionPreprocessorConfig.load(checkpoint: checkpoint)
        imageProcessor = AyaVisionImageProcessor(config: preprocessor)
        tokenizer = try BPETokenizer(directory: checkpoint)
        template = try ChatTemplate(checkpointDirectory: checkpoint)
        vision = try AyaVisionVision(ck, config: config)
        language = try AyaVisionLanguage(ck, config: config.text)
        try checkConsistency(checkpoint)
    }

    /// The processor files, tokenizer and config.json must describe the same image layout.
    private func checkConsistency(_ checkpoint: URL) throws {
        let pre = checkpoint.appendingPathComponent("preprocessor_config.json").path
        guard preprocessor.tileWidth == config.vision.imageSize, preprocessor.tileHeight == config.vision.imageSize else {
            throw CheckpointError.invalidValue(path: pre, key: "size",
                reason: "(\(preprocessor.tileWidth)x\(preprocessor.tileHeight)) must equal config.json vision_config.image_size (\(config.vision.imageSize))")
        }
        guard preprocessor.prompt.tokensPerTile == config.tokensPerTile else {
            throw CheckpointError.invalidValue(path: checkpoint.appendingPathComponent("processor_config.json").path,
                key: "img_size/patch_size",
                reason: "give \(preprocessor.prompt.tokensPerTile) tokens per tile; config.json's vision tower gives \(config.tokensPerTile)")
        }
        let tokenizerFile = checkpoint.appendingPathComponent("tokenizer.json").path
        for token in [preprocessor.prompt.startOfImage, preprocessor.prompt.endOfImage, preprocessor.prompt.patchToken]
            where tokenizer.tokenID(token) == nil {
            throw AyaVisionError.missingToken(token: token, file: tokenizerFile)
        }
        guard tokenizer.tokenID(preprocessor.prompt.patchToken) == config.imageTokenID else {
            throw CheckpointError.invalidValue(path: checkpoint.appendingPathComponent("config.json").path,
                key: "image_token_index",
                reason: "(\(config.imageTokenID)) is not the id of \(preprocessor.prompt.patchToken) in tokenizer.json")
        }
    }

    /// The tile limit for a request: `maxPixels` caps the tiled canvas (tiles × tile area; the
    /// thumbnail is not counted), never below one tile nor above the checkpoint's max_patches.
    func processor(maxPixels: Int?) -> AyaVisionImageProcessor {
        guard let maxPixels else { return imageProcessor }
        var limited = preprocessor
        let area = preprocessor.tileWidth * preprocessor.tileHeight
        limited.maxTiles = min(preprocessor.maxTiles, max(1, maxPixels / area))
        limited.minTiles = min(limited.minTiles, limited.maxTiles)
        return AyaVisionImageProcessor(config: limited)
    }

    /// Chat template (one user turn: image then text, generation prompt), image expanded, tokenized.
    func promptTokens(text: String, tileCount: Int) throws -> [Int] {
        let rendered = try template.renderUserTurn(imagePlaceholder: preprocessor.prompt.imagePlaceholder, text: text)
        let expanded: String
        do {
            expanded = try preprocessor.prompt.expand(renderedPrompt: rendered, tileCount: tileCount)
        } catch let error as AyaVisionError {
            throw OCRError.promptMismatch(reason: error.description)
        }
        let ids = tokenizer.encode(expanded)
        let expected = tileCount * config.tokensPerTile
        let found = ids.reduce(0) { $0 + ($1 == config.imageTokenID ? 1 : 0) }
        guard found == expected else {
            throw OCRError.promptMismatch(reason: "expected \(expected) \(preprocessor.prompt.patchToken) tokens, found \(found) "
                + "(does the prompt contain \(preprocessor.prompt.patchToken)?)")
        }
        return ids
    }

    public func read(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void) throws -> OCRResult {
        try run(image, request: request, onEvent: onEvent, onLogits: nil)
    }

    /// `read` with a hook that sees the raw logits before each pick (parity tests).
    func run(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void,
             onLogits: (([Float]) -> Void)?) throws -> OCRResult {
        var timings = OCRTimings()
        var clock = Stopwatch()
        let pixels: AyaVisionPixels
        do {
            pixels = try processor(maxPixels: request.maxPixels).pixels(image)
        } catch let error as AyaVisionError {
            throw OCRError.imageRejected(reason: error.description)
        }
        let tokens = try promptTokens(text: request.prompt, tileCount: pixels.tileCount)
        let width = pixels.grid.columns * pixels.tileWidth, height = pixels.grid.rows * pixels.tileHeight
        timings.preprocessMs = clock.lap()
        onEvent(.preprocessed(width: width, height: height, imageTokens: pixels.tileCount * config.tokensPerTile,
                              promptTokens: tokens.count))

        let features = try vision.forward(pixels) { done in onEvent(.visionLayer(done: done, of: vision.layers.count)) }
        timings.visionMs = clock.lap()

        let hidden = config.text.hiddenSize
        let maxNew = max(0, request.maxNewTokens)
        let cache = language.makeCache(capacity: tokens.count + maxNew + 1)
        let x = FloatBuffer(count: tokens.count * hidden)
        language.embed(tokens, into: x.pointer)
        var row = 0
        for (i, id) in tokens.enumerated() where id == config.imageTokenID {
            (x.pointer + i * hidden).update(from: features.pointer + row * hidden, count: hidden)
            row += 1
        }
        let firstLogits = language.forward(x, rows: tokens.count, cache: cache)
        timings.prefillMs = clock.lap()
        onEvent(.prefillDone)

        let step = FloatBuffer(count: hidden)
        let outcome = DecodeLoop.generate(request: request, generation: generationConfig,
                                          repetitionGuard: repetitionGuard, tokenizer: tokenizer,
                                          firstLogits: firstLogits, prompt: tokens,
                                          onEvent: onEvent, onLogits: onLogits) { id in
            language.embed([id], into: step.pointer)
            return language.forward(step, rows: 1, cache: cache)
        }
        timings.generateMs = clock.lap()
        timings.totalMs = clock.total
        return OCRResult(text: outcome.text, tokens: outcome.tokens, logprobs: outcome.logprobs, promptTokens: tokens.count,
                         finishReason: outcome.finishReason, timings: timings, processedWidth: width, processedHeight: height)
    }
}
