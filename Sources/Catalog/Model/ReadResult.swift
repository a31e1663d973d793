/// What reading one scan produced: text on success, `error` on failure, plus what the sidecar records.
public struct ReadResult: Sendable, Codable, Equatable {
    public var text: String?
    public var error: String?
    /// The engine's model name ("qwen2-vl", "aya-vision").
    public var model: String
    public var checkpoint: String
    public var configHash: String
    public var prompt: String
    /// Generated tokens.
    public var tokens: Int
    public var finishReason: String?
    public var width: Int
    public var height: Int
    public var timingsMs: [String: Double]
    /// Each page's result, in order (one for a photo). Empty for a failure before any page was read.
    public var pages: [PageResult]
    /// The JSON sidecar's exact text, so a reused result can be written at a new path unchanged.
    public var sidecarJSON: String?

    public init(text: String?, error: String? = nil, model: String, checkpoint: String, configHash: String,
                prompt: String, tokens: Int, finishReason: String?, width: Int, height: Int,
                timingsMs: [String: Double] = [:], pages: [PageResult] = [], sidecarJSON: String? = nil) {
        self.text = text
        self.error = error
        self.model = model
        self.checkpoint = checkpoint
        self.configHash = configHash
        self.prompt = prompt
        self.tokens = tokens
        self.finishReason = finishReason
        self.width = width
        self.height = height
        self.timingsMs = timingsMs
        self.pages = pages
        self.sidecarJSON = sidecarJSON
    }
}
