/// The settings a folder tag (`.scrawl.toml`) may change, also read from each `[[inbox]]`:
/// `model`, `prompt`, `max_tokens`, `max_pages` and `pdf_text`. `nil` = not set here (the parent's value holds).
public struct FolderSettings: Sendable, Equatable {
    public var model: ModelName?
    public var prompt: String?
    public var maxTokens: Int?
    /// Pages of a document read at most (a 10,000-page PDF must not hold the queue for weeks).
    public var maxPages: Int?
    /// "ignore": the model reads every page (a scanning app's own OCR is rarely good on handwriting);
    /// "prefer": a PDF page that carries a text layer is taken from it, the others are read.
    public var pdfText: String?

    public init(model: ModelName? = nil, prompt: String? = nil, maxTokens: Int? = nil, maxPages: Int? = nil,
                pdfText: String? = nil) {
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.maxPages = maxPages
        self.pdfText = pdfText
    }

    public static let keys = ["model", "prompt", "max_tokens", "max_pages", "pdf_text"]
    public static let maxTokensRange = 1...32_768
    public static let maxPagesRange = 1...10_000
    public static let pdfTextChoices = ["ignore", "prefer"]
    /// A prompt is an instruction of a few sentences; a longer one (in a config or a folder tag) is refused.
    public static let maxPromptBytes = 4096

    /// `models`: the names the configuration defines (a tag or inbox naming another is refused).
    static func parse(_ section: TOMLSection, models: [ModelName]) throws -> FolderSettings {
        var settings = FolderSettings()
        if let model = try section.oneOf("model", models.map(\.rawValue)) { settings.model = ModelName(rawValue: model) }
        settings.prompt = try section.nonEmptyString("prompt")
        if let prompt = settings.prompt, prompt.utf8.count > maxPromptBytes {
            throw section.invalid("prompt", "\(prompt.utf8.count) bytes is longer than the \(maxPromptBytes)-byte limit for a prompt")
        }
        settings.maxTokens = try section.int("max_tokens", in: maxTokensRange)
        settings.maxPages = try section.int("max_pages", in: maxPagesRange)
        settings.pdfText = try section.oneOf("pdf_text", pdfTextChoices)
        return settings
    }

    /// Parses a folder tag file's text: only the keys in `keys` are allowed; `model` must be one of `models`.
    public static func parseTag(_ text: String, file: String, models: [ModelName] = ModelName.builtIn) throws -> FolderSettings {
        let root = try TOMLSection.parse(text, file: file)
        try root.rejectUnknownKeys(keys)
        return try parse(root, models: models)
    }

    public func apply(to inbox: inout InboxConfig) {
        if let model { inbox.model = model }
        if let prompt { inbox.prompt = prompt }
        if let maxTokens { inbox.maxTokens = maxTokens }
        if let maxPages { inbox.maxPages = maxPages }
        if let pdfText { inbox.pdfText = pdfText }
    }
}
