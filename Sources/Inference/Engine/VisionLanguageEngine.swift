import Foundation
import Imaging
import Kernels
import Tokenizers

/// The one engine every model runs through: preprocess → vision tower → splice the image rows into
/// the prompt → prefill → decode. A model (`VisionLanguageModel`) supplies only what differs.
public final class VisionLanguageEngine<Model: VisionLanguageModel>: CheckpointEngine, @unchecked Sendable {
    public let model: Model
    public let checkpointPath: String
    public let configHash: String
    public let generationConfig: GenerationConfig
    public let summary: CheckpointSummary
    let tokenizer: BPETokenizer
    let template: ChatTemplate
    let prompt: ImagePrompt
    /// The loop guard used unless the request ignores EOS (see RepetitionGuard).
    public var repetitionGuard = RepetitionGuard()

    public var modelName: String { Model.displayName }

    /// `arithmetic`: `.native` (default) computes 16-bit checkpoints with the CPU's fast 16-bit products;
    /// `.float32` widens their weights to f32 (parity runs against an f32-compute reference).
    /// `prefetch`: start reading the weights into the page cache (false for a look at the folder only).
    public init(checkpoint: URL, arithmetic: Arithmetic = .native, prefetch: Bool = true) throws {
        let ck = try CheckpointDirectory(url: checkpoint, normalizeName: Model.normalizeWeightName)
        if prefetch { ck.prefetch() }
        checkpointPath = checkpoint.path
        configHash = ck.configHash
        model = try Model(checkpoint: ck, arithmetic: arithmetic)
        generationConfig = try GenerationConfig(json: ck.generationConfig, fallbackEOS: model.eosTokenIDs)
        tokenizer = try BPETokenizer(directory: checkpoint)
        template = try ChatTemplate(checkpointDirectory: checkpoint, specialTokens: tokenizer.specialTokens.chatTemplateTokens)
        prompt = ImagePrompt(tokenizer: tokenizer, template: template, imageTokenID: model.imageTokenID)
        try model.validate(tokenizer: tokenizer, checkpoint: checkpoint)
        summary = CheckpointSummary(
            modelType: Model.modelType, tokenizerSource: tokenizer.source,
            templateSource: URL(fileURLWithPath: template.sourceName).lastPathComponent, weightDTypes: ck.dtypeCounts,
            tensorNameLayout: ck.renamedTensors == 0 ? "legacy (as saved before transformers 4.52)"
                : "transformers ≥ 4.52 (\(ck.renamedTensors) names mapped to the legacy ones)",
            weightFiles: ck.weightFileNames, contextLength: model.contextLength)
    }

    public func promptCost(width: Int, height: Int, request: OCRRequest) throws -> PromptCost {
        let blank = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 255, count: width * height * 3))
        let inputs = try prepare(blank, request: request)
        return PromptCost(width: width, height: height, processedWidth: inputs.width, processedHeight: inputs.height,
                          imageTokens: inputs.imageTokens, promptTokens: inputs.tokens.count)
    }

    /// Pixels and prompt tokens for one request, before any network runs.
    func prepare(_ image: RGBImage, request: OCRRequest) throws -> Model.Inputs {
        try model.prepare(image, request: request, prompt: prompt)
    }

    public func read(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void) throws -> OCRResult {
        try run(image, request: request, onEvent: onEvent, onLogits: nil)
    }

    /// `read` with a hook that sees the raw logits before each pick (parity tests).
    func run(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void,
             onLogits: (([Float]) -> Void)?) throws -> OCRResult {
        var clock = Stopwatch()
        let inputs = try prepare(image, request: request)
        let preprocessMs = clock.lap()
        return try run(inputs, preprocessMs: preprocessMs, clock: clock, request: request, onEvent: onEvent, onLogits: onLogits)
    }

    /// The network part of a read, from prepared inputs.
    private func run(_ inputs: Model.Inputs, preprocessMs: Double, clock: Stopwatch, request: OCRRequest,
                     onEvent: (OCREvent) -> Void, onLogits: (([Float]) -> Void)?) throws -> OCRResult {
        var clock = clock
        var timings = OCRTimings()
        timings.preprocessMs = preprocessMs
        let tokens = inputs.tokens
        onEvent(.preprocessed(width: inputs.width, height: inputs.height, imageTokens: inputs.imageTokens,
                              promptTokens: tokens.count))

        let layers = model.visionLayerCount
        let cancellation = request.cancellation
        var stopReason: String?
        let embeddings = try model.encodeImage(inputs) { done in
            if stopReason == nil { stopReason = cancellation?.cancellationReason }
            onEvent(.visionLayer(done: done, of: layers))
        }
        if let stopReason { throw OCRError.cancelled(reason: stopReason) }
        try cancellation?.check()
        timings.visionMs = clock.lap()

        let hidden = model.hiddenSize
        let maxNew = max(0, request.maxNewTokens)
        guard tokens.count + maxNew <= model.contextLength else {
            throw OCRError.contextExceeded(promptTokens: tokens.count, maxNewTokens: maxNew, contextLength: model.contextLength)
        }
        let cache = model.makeCache(capacity: tokens.count + maxNew + 1)
        let x = FloatBuffer(count: tokens.count * hidden)
        model.embed(tokens, into: x.pointer)
        var row = 0
        for (i, id) in tokens.enumerated() where id == model.imageTokenID {
            (x.pointer + i * hidden).update(from: embeddings.pointer + row * hidden, count: hidden)
            row += 1
        }
        let firstLogits = model.prefill(x, inputs: inputs, cache: cache)
        timings.prefillMs = clock.lap()
        onEvent(.prefillDone)

        let step = FloatBuffer(count: hidden)
        let outcome = try DecodeLoop.generate(request: request, generation: generationConfig,
                                          repetitionGuard: repetitionGuard, tokenizer: tokenizer,
                                          firstLogits: firstLogits, prompt: tokens,
                                          onEvent: onEvent, onLogits: onLogits) { id in
            model.embed([id], into: step.pointer)
            return model.step(step, inputs: inputs, cache: cache)
        }
        timings.generateMs = clock.lap()
        timings.totalMs = clock.total
        return OCRResult(text: outcome.text, tokens: outcome.tokens, logprobs: outcome.logprobs, promptTokens: tokens.count,
                         finishReason: outcome.finishReason, timings: timings,
                         processedWidth: inputs.width, processedHeight: inputs.height)
    }
}

/// Qwen2-VL (e.g. Qwen2-VL-OCR-2B) on the CPU.
public typealias Qwen2VLEngine = VisionLanguageEngine<Qwen2VLModel>
/// Aya Vision (e.g. aya-vision-8b) on the CPU.
public typealias AyaVisionEngine = VisionLanguageEngine<AyaVisionModel>
