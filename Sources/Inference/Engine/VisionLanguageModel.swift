import Foundation
import Imaging
import Kernels
import Tokenizers

/// What one vision-language model contributes to `VisionLanguageEngine`: its config, layers and
/// weight names, how an image becomes pixels and prompt tokens, and the three network steps. The
/// engine owns everything the models share (checkpoint opening and prefetch, tokenizer, chat
/// template, splicing image rows into the prompt, the decode loop, timings and events).
public protocol VisionLanguageModel: AnyObject {
    /// Everything one image needs before any network runs (pixels, prompt ids, positions).
    associatedtype Inputs: ModelInputs

    /// config.json's `model_type` this model reads ("qwen2_vl").
    static var modelType: String { get }
    /// A short name for logs and sidecars ("qwen2-vl").
    static var displayName: String { get }
    /// Maps every saved spelling of a tensor name to the one the model asks for.
    static func normalizeWeightName(_ name: String) -> String

    /// Reads config.json and the processor files, and maps the weights.
    init(checkpoint: CheckpointDirectory, arithmetic: Arithmetic) throws

    /// EOS ids from config.json, used when generation_config.json names none.
    var eosTokenIDs: [Int] { get }
    /// The id the prompt carries once per image embedding row.
    var imageTokenID: Int { get }
    /// Width of one embedding row of the language model.
    var hiddenSize: Int { get }
    /// Layers of the vision tower (for progress events).
    var visionLayerCount: Int { get }
    /// Positions the language model was trained for (config.json max_position_embeddings, or the config
    /// class's default); a prompt plus its new tokens must fit.
    var contextLength: Int { get }

    /// Checks that the tokenizer has what this model's prompts need (image tokens, ids that agree
    /// with config.json). Called once at load.
    func validate(tokenizer: BPETokenizer, checkpoint: URL) throws

    /// Preprocesses the image and builds the prompt (through `prompt`) for one request.
    func prepare(_ image: RGBImage, request: OCRRequest, prompt: ImagePrompt) throws -> Inputs

    /// The vision tower + projector: one embedding row per image token of `inputs.tokens`, in order.
    func encodeImage(_ inputs: Inputs, onLayer: (Int) -> Void) throws -> FloatBuffer

    func makeCache(capacity: Int) -> KVCache
    /// Writes the embedding rows of `ids` into `out` ([ids.count × hiddenSize]).
    func embed(_ ids: [Int], into out: UnsafeMutablePointer<Float>)
    /// Runs the whole prompt (`x`: its embeddings, image rows spliced in; overwritten) and returns the
    /// logits of the last position.
    func prefill(_ x: FloatBuffer, inputs: Inputs, cache: KVCache) -> [Float]
    /// Runs one more position (`x`: the embedding of the token just chosen) and returns its logits.
    func step(_ x: FloatBuffer, inputs: Inputs, cache: KVCache) -> [Float]
}

/// What the engine reads of a model's prepared inputs.
public protocol ModelInputs {
    var tokens: [Int] { get }
    /// Image size after preprocessing (what the vision tower sees).
    var width: Int { get }
    var height: Int { get }
    var imageTokens: Int { get }
}
