import Foundation
import Imaging

/// What the daemon and the command line ask of a reader: one image in, text out.
/// The checkpoint engines (Qwen2VL, AyaVision) and the remote engine (an OpenAI-compatible server)
/// implement it; nothing above Inference knows which one runs.
public protocol OCREngine: AnyObject {
    /// A short name for logs and sidecars ("qwen2-vl", "aya-vision", or the server's model name).
    var modelName: String { get }
    /// What read the scan, for sidecars: a checkpoint (path + config hash) or an endpoint.
    var identity: EngineIdentity { get }

    /// Reads one decoded RGB image. `onEvent` is called on the calling thread as work
    /// progresses (vision layers, prefill, each generated token with its text piece). A remote
    /// engine may not know token ids: then `.token` carries id -1 and the result's `tokens` is empty.
    func read(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void) throws -> OCRResult
}

/// Which engine read a scan.
public enum EngineIdentity: Sendable, Equatable {
    /// Weights from a checkpoint folder; `configSHA256` is the SHA-256 (hex) of its config.json.
    case checkpoint(path: String, configSHA256: String)
    /// An OpenAI-compatible endpoint (`endpoint` without credentials) and the server's model name.
    case remote(endpoint: String, model: String)
}

/// An engine that runs a checkpoint folder on this machine.
public protocol CheckpointEngine: OCREngine {
    /// The checkpoint directory the weights came from.
    var checkpointPath: String { get }
    /// SHA-256 (hex) of the checkpoint's config.json bytes: identifies the model in sidecars.
    var configHash: String { get }

    /// What was found in the checkpoint folder (tokenizer and template files, dtypes, name layout).
    var summary: CheckpointSummary { get }

    /// The prompt a width × height scan gets under `request` (pixels resized, prompt rendered and
    /// tokenized), without running the model.
    func promptCost(width: Int, height: Int, request: OCRRequest) throws -> PromptCost
}

extension CheckpointEngine {
    public var identity: EngineIdentity { .checkpoint(path: checkpointPath, configSHA256: configHash) }
}

/// How to read one image. `nil` fields fall back to the checkpoint's own files
/// (generation_config.json, preprocessor_config.json).
public struct OCRRequest: Sendable, Equatable {
    public var prompt: String
    public var maxNewTokens: Int
    /// Caps the image's pixel count before the vision tower (lower = faster, less detail).
    public var maxPixels: Int?
    /// Greedy decoding regardless of generation_config.json.
    public var greedy: Bool
    /// Keep generating after an EOS token (benchmarks only).
    public var ignoreEOS: Bool
    public var sampling: SamplingOverrides
    /// Checked after every vision layer and every token; a set flag ends the read with `OCRError.cancelled`.
    public var cancellation: CancellationFlag?

    public init(prompt: String = OCRRequest.defaultPrompt, maxNewTokens: Int = 1024, maxPixels: Int? = nil,
                greedy: Bool = false, ignoreEOS: Bool = false, sampling: SamplingOverrides = .init(),
                cancellation: CancellationFlag? = nil) {
        self.prompt = prompt
        self.maxNewTokens = maxNewTokens
        self.maxPixels = maxPixels
        self.greedy = greedy
        self.ignoreEOS = ignoreEOS
        self.sampling = sampling
        self.cancellation = cancellation
    }

    /// The seed demo's prompt.
    public static let defaultPrompt = "OCR the Image"
}

/// Overrides of generation_config.json; `nil` keeps the checkpoint's value.
public struct SamplingOverrides: Sendable, Equatable {
    public var temperature: Float?
    public var topP: Float?
    public var topK: Int?
    public var repetitionPenalty: Float?
    public var seed: UInt64?
    public init(temperature: Float? = nil, topP: Float? = nil, topK: Int? = nil,
                repetitionPenalty: Float? = nil, seed: UInt64? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }
}

public enum FinishReason: String, Sendable, Codable, Equatable {
    /// The model produced an end-of-sequence token.
    case eos
    /// The cap on new tokens was reached.
    case maxTokens = "max_tokens"
    /// A degenerate repetition loop was detected and cut.
    case loop
}

public struct OCRTimings: Sendable, Codable, Equatable {
    public var preprocessMs: Double = 0
    public var visionMs: Double = 0
    public var prefillMs: Double = 0
    public var generateMs: Double = 0
    public var totalMs: Double = 0
    public init() {}
}

public struct OCRResult: Sendable {
    public var text: String
    /// Generated token ids (EOS excluded); empty when the engine does not know them (a remote server).
    public var tokens: [Int]
    /// How many tokens were generated (`tokens.count` when the ids are known).
    public var tokenCount: Int
    /// Natural-log probability of each generated token under the model's raw distribution; empty
    /// when the engine does not report them.
    public var logprobs: [Float]
    /// Prompt length in tokens, image tokens included.
    public var promptTokens: Int
    public var finishReason: FinishReason
    public var timings: OCRTimings
    /// Image size after preprocessing (what the vision tower saw).
    public var processedWidth: Int
    public var processedHeight: Int

    public init(text: String, tokens: [Int], tokenCount: Int? = nil, logprobs: [Float], promptTokens: Int,
                finishReason: FinishReason, timings: OCRTimings, processedWidth: Int, processedHeight: Int) {
        self.text = text
        self.tokens = tokens
        self.tokenCount = tokenCount ?? tokens.count
        self.logprobs = logprobs
        self.promptTokens = promptTokens
        self.finishReason = finishReason
        self.timings = timings
        self.processedWidth = processedWidth
        self.processedHeight = processedHeight
    }
}

/// Progress, in the order it happens.
public enum OCREvent: Sendable {
    case preprocessed(width: Int, height: Int, imageTokens: Int, promptTokens: Int)
    case visionLayer(done: Int, of: Int)
    case prefillDone
    /// One generated token and the text it completes (may be empty while a UTF-8 character is incomplete).
    case token(id: Int, text: String, count: Int)
}
