/// What a loaded engine found in its checkpoint folder, for people (`scrawl models verify`): which
/// files made the tokenizer and the chat template, how the weights are stored, and what a default
/// scan costs in prompt tokens.
public struct CheckpointSummary: Sendable, Equatable, Codable {
    public var modelType: String
    public var tokenizerSource: String
    public var templateSource: String
    /// Tensor count by stored dtype ("F16": 729).
    public var weightDTypes: [String: Int]
    /// "legacy names (transformers < 4.52)" or "transformers ≥ 4.52 names (mapped)".
    public var tensorNameLayout: String
    public var weightFiles: [String]
    /// config.json's context length (max_position_embeddings), when it states one.
    public var contextLength: Int?

    public init(modelType: String, tokenizerSource: String, templateSource: String, weightDTypes: [String: Int],
                tensorNameLayout: String, weightFiles: [String], contextLength: Int?) {
        self.modelType = modelType
        self.tokenizerSource = tokenizerSource
        self.templateSource = templateSource
        self.weightDTypes = weightDTypes
        self.tensorNameLayout = tensorNameLayout
        self.weightFiles = weightFiles
        self.contextLength = contextLength
    }
}

/// The prompt a scan of a given size gets, built without running the model.
public struct PromptCost: Sendable, Equatable, Codable {
    public var width: Int
    public var height: Int
    /// The image size the vision tower sees.
    public var processedWidth: Int
    public var processedHeight: Int
    public var imageTokens: Int
    public var promptTokens: Int

    public init(width: Int, height: Int, processedWidth: Int, processedHeight: Int, imageTokens: Int, promptTokens: Int) {
        (self.width, self.height, self.processedWidth, self.processedHeight) = (width, height, processedWidth, processedHeight)
        (self.imageTokens, self.promptTokens) = (imageTokens, promptTokens)
    }
}
