/// How a scan is read: the model key, the prompt, the token and page budgets and the PDF text-layer
/// choice (a folder's settings now).
public struct ReadSettings: Sendable, Equatable {
    public var model: String
    public var prompt: String
    public var maxTokens: Int
    public var maxPages: Int
    public var pdfText: String

    public init(model: String, prompt: String, maxTokens: Int, maxPages: Int = ScanCandidate.defaultMaxPages,
                pdfText: String = ScanCandidate.defaultPDFText) {
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.maxPages = maxPages
        self.pdfText = pdfText
    }
}
