import Foundation
import Imaging
import Kernels
import Tokenizers

/// Aya Vision (`modeling_aya_vision.py`): tiles (+ thumbnail) → SigLIP + projector; a Cohere2 decoder
/// with sliding-window and global layers over the prompt.
public final class AyaVisionModel: VisionLanguageModel, @unchecked Sendable {
    public static let modelType = "aya_vision"
    public static let displayName = "aya-vision"
    public static func normalizeWeightName(_ name: String) -> String { AyaVisionWeightNames.normalize(name) }

    public let config: AyaVisionConfig
    public let preprocessor: AyaVisionPreprocessorConfig
    let imageProcessor: AyaVisionImageProcessor
    let vision: AyaVisionVision
    let language: AyaVisionLanguage
    public let contextLength: Int

    public init(checkpoint ck: CheckpointDirectory, arithmetic: Arithmetic) throws {
        config = try AyaVisionConfig(json: ck.config)
        preprocessor = try AyaVisionPreprocessorConfig.load(checkpoint: ck.url)
        imageProcessor = AyaVisionImageProcessor(config: preprocessor)
        // Cohere2Config's default (the real sparse config.json states none).
        contextLength = try ck.config.object("text_config")?.int("max_position_embeddings", in: ConfigLimits.context) ?? 8192
        guard contextLength > 0 else {
            throw CheckpointError.invalidValue(path: ck.url.appendingPathComponent("config.json").path, key: "text_config.max_position_embeddings", reason: "must be positive")
        }
        vision = try AyaVisionVision(ck, config: config, arithmetic: arithmetic)
        language = try AyaVisionLanguage(ck, config: config.text, arithmetic: arithmetic)
        let pre = ck.url.appendingPathComponent("preprocessor_config.json").path
        guard preprocessor.tileWidth == config.vision.imageSize, preprocessor.tileHeight == config.vision.imageSize else {
            throw CheckpointError.invalidValue(path: pre, key: "size",
                reason: "(\(preprocessor.tileWidth)x\(preprocessor.tileHeight)) must equal config.json vision_config.image_size (\(config.vision.imageSize))")
        }
        guard preprocessor.prompt.tokensPerTile == config.tokensPerTile else {
            throw CheckpointError.invalidValue(path: ck.url.appendingPathComponent("processor_config.json").path,
                key: "img_size/patch_size",
                reason: "give \(preprocessor.prompt.tokensPerTile) tokens per tile; config.json's vision tower gives \(config.tokensPerTile)")
        }
    }

    public var eosTokenIDs: [Int] { config.text.eosTokenIDs }
    public var imageTokenID: Int { config.imageTokenID }
    public var hiddenSize: Int { config.text.hiddenSize }
    public var visionLayerCount: Int { vision.layers.count }

    /// The processor's image marker tokens must exist, and its patch token must be config.json's image token.
    public func validate(tokenizer: BPETokenizer, checkpoint: URL) throws {
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

    public struct Inputs: ModelInputs {
        var pixels: AyaVisionPixels
        public var tokens: [Int]
        public var imageTokens: Int
        public var width: Int { pixels.grid.columns * pixels.tileWidth }
        public var height: Int { pixels.grid.rows * pixels.tileHeight }
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

    /// The template's `<image>` becomes the tile markers and patch tokens of the processor.
    public func prepare(_ image: RGBImage, request: OCRRequest, prompt: ImagePrompt) throws -> Inputs {
        let pixels: AyaVisionPixels
        do {
            pixels = try processor(maxPixels: request.maxPixels).pixels(image)
        } catch let error as AyaVisionError {
            throw OCRError.imageRejected(reason: error.description)
        }
        let imageTokens = pixels.tileCount * config.tokensPerTile
        let tokens = try prompt.tokens(text: request.prompt, imageTokens: imageTokens) { rendered in
            do {
                return try preprocessor.prompt.expand(renderedPrompt: rendered, tileCount: pixels.tileCount)
            } catch let error as AyaVisionError {
                throw OCRError.promptMismatch(reason: error.description)
            }
        }
        return Inputs(pixels: pixels, tokens: tokens, imageTokens: imageTokens)
    }

    public func encodeImage(_ inputs: Inputs, onLayer: (Int) -> Void) throws -> FloatBuffer {
        try vision.forward(inputs.pixels, onLayer: onLayer)
    }

    public func makeCache(capacity: Int) -> KVCache { language.makeCache(capacity: capacity) }

    public func embed(_ ids: [Int], into out: UnsafeMutablePointer<Float>) { language.embed(ids, into: out) }

    public func prefill(_ x: FloatBuffer, inputs: Inputs, cache: KVCache) -> [Float] {
        language.forward(x, rows: inputs.tokens.count, cache: cache)
    }

    public func step(_ x: FloatBuffer, inputs: Inputs, cache: KVCache) -> [Float] {
        language.forward(x, rows: 1, cache: cache)
    }
}
