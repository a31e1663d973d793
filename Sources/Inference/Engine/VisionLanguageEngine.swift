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
    /// With int8 weights: the cache file, whether this load quantized it, and what went wrong (nil otherwise).
    public let int8Cache: Int8CacheState?
    let tokenizer: BPETokenizer
    let template: ChatTemplate
    let prompt: ImagePrompt
    /// The loop guard used unless the request ignores EOS (see RepetitionGuard).
    public var repetitionGuard = RepetitionGuard()

    public var modelName: String { Model.displayName }

    /// `arithmetic`: `.native` (default) computes 16-bit checkpoints with the CPU's fast 16-bit products;
    /// `.float32` widens their weights to f32 (parity runs against an f32-compute reference).
    /// `prefetch`: start reading the weights into the page cache (false for a look at the folder only).
    /// `weights`: `.int8(cacheDirectory:)` runs the language model's linear layers on Q8_0 copies, read
    /// from (or quantized once into) a cache file in that folder.
    public init(checkpoint: URL, arithmetic: Arithmetic = .native, prefetch: Bool = true,
                weights: WeightLoading = .checkpoint) throws {
        let ck = try CheckpointDirectory(url: checkpoint, normalizeName: Model.normalizeWeightName)
        if prefetch { ck.prefetch() }
        checkpointPath = checkpoint.path
        configHash = ck.configHash
        switch weights {
        case .checkpoint:
            model = try Model(checkpoint: ck, arithmetic: arithmetic)
            int8Cache = nil
        case .int8(let directory):
            (model, int8Cache) = try Self.openInt8(ck, directory: directory, arithmetic: arithmetic)
        }
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

    /// The model on Q8_0 language weights: from the cache file when it matches the checkpoint; otherwise
    /// quantized here, written to the cache, and the model opened again on the file just written (so the
    /// weights are mapped, not held twice). A cache that cannot be written leaves the in-memory copies in use.
    private static func openInt8(_ ck: CheckpointDirectory, directory: URL,
                                 arithmetic: Arithmetic) throws -> (Model, Int8CacheState) {
        let cache = try Q8WeightCache(checkpoint: ck, directory: directory)
        ck.int8Cache = cache
        let model = try Model(checkpoint: ck, arithmetic: arithmetic)
        guard cache.hasUnsavedTensors else {
            return (model, Int8CacheState(file: cache.fileURL.path, built: false, note: nil))
        }
        let why = cache.staleReason.map { " (\($0))" } ?? ""
        do {
            try cache.save()
        } catch {
            return (model, Int8CacheState(file: cache.fileURL.path, built: true, note: "not saved: \(error)"))
        }
        let written = try Q8WeightCache(checkpoint: ck, directory: directory)
        guard written.loadedFromFile else {
            return (model, Int8CacheState(file: cache.fileURL.path, built: true, note: "written but unreadable: \(written.staleReason ?? "?")"))
        }
        ck.int8Cache = written
        return (try Model(checkpoint: ck, arithmetic: arithmetic),
                Int8CacheState(file: cache.fileURL.path, built: true, note: why.isEmpty ? nil : "rebuilt" + why))
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
        let firstLogits = model.prefill(promptEmbeddings(tokens, image: embeddings), inputs: inputs, cache: cache)
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

extension VisionLanguageEngine {
    /// The prompt's embedding rows with the image rows spliced in, one per image token in order.
    func promptEmbeddings(_ tokens: [Int], image embeddings: FloatBuffer) -> FloatBuffer {
        let hidden = model.hiddenSize
        let x = FloatBuffer(count: tokens.count * hidden)
        model.embed(tokens, into: x.pointer)
        var row = 0
        for (i, id) in tokens.enumerated() where id == model.imageTokenID {
            (x.pointer + i * hidden).update(from: embeddings.pointer + row * hidden, count: hidden)
            row += 1
        }
        return x
    }
}

/// Qwen2-VL (e.g. Qwen2-VL-OCR-2B) on the CPU.
public typealias Qwen2VLEngine = VisionLanguageEngine<Qwen2VLModel>
/// Aya Vision (e.g. aya-vision-8b) on the CPU.
public typealias AyaVisionEngine = VisionLanguageEngine<AyaVisionModel>
