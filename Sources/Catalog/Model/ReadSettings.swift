/// How a scan is read: the model key, the prompt and the token budget (a folder's settings now).
public struct ReadSettings: Sendable, Equatable {
    public var model: String
    public var prompt: String
    public var maxTokens: Int

    public init(model: String, prompt: String, maxTokens: Int) {
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
    }
}
