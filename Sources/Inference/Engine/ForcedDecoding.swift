import Foundation
import Imaging
import Kernels

extension VisionLanguageEngine {
    /// Teacher forcing, for comparing weight formats: the logits after the prompt (step 0), then after
    /// each of `forced` in turn (step i + 1), whatever the model would have picked. Same image path as
    /// `read` (preprocess, vision tower, prefill, one step a token).
    public func forcedLogits(_ image: RGBImage, request: OCRRequest, forced: [Int],
                             onLogits: (_ step: Int, _ logits: [Float]) -> Void) throws {
        let inputs = try prepare(image, request: request)
        let embeddings = try model.encodeImage(inputs) { _ in }
        let tokens = inputs.tokens
        guard tokens.count + forced.count <= model.contextLength else {
            throw OCRError.contextExceeded(promptTokens: tokens.count, maxNewTokens: forced.count, contextLength: model.contextLength)
        }
        let cache = model.makeCache(capacity: tokens.count + forced.count + 1)
        onLogits(0, model.prefill(promptEmbeddings(tokens, image: embeddings), inputs: inputs, cache: cache))
        let step = FloatBuffer(count: model.hiddenSize)
        for (i, id) in forced.enumerated() {
            model.embed([id], into: step.pointer)
            onLogits(i + 1, model.step(step, inputs: inputs, cache: cache))
        }
    }

    /// `read`, also handing the raw logits before each pick to `onLogits` (logit dumps).
    public func read(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void,
                     onLogits: @escaping ([Float]) -> Void) throws -> OCRResult {
        try run(image, request: request, onEvent: onEvent, onLogits: onLogits)
    }
}

/// What `scrawl bench` asks of an engine beyond reading: raw logits, teacher forcing, the int8 cache.
public protocol EngineInspection: OCREngine {
    var int8Cache: Int8CacheState? { get }
    func forcedLogits(_ image: RGBImage, request: OCRRequest, forced: [Int],
                      onLogits: (_ step: Int, _ logits: [Float]) -> Void) throws
    func read(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void,
              onLogits: @escaping ([Float]) -> Void) throws -> OCRResult
}

extension VisionLanguageEngine: EngineInspection {}
