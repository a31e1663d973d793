/// The settings a folder tag (`.scrawl.toml`) may change, also read from each `[[inbox]]`:
/// `model`, `prompt` and `max_tokens`. `nil` = not set here (the parent's value holds).
public struct FolderSettings: Sendable, Equatable {
    public var model: ModelName?
    public var prompt: String?
    public var maxTokens: Int?

    public init(model: ModelName? = nil, prompt: String? = nil, maxTokens: Int? = nil) {
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
    }

    public static let keys = ["model", "prompt", "max_tokens"]
    public static let maxTokensRange = 1...32_768
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
        return settings
    }

    /// Parses a folder tag file's text: only `model` (one of `models`), `prompt` and `max_tokens` are allowed.
    public static func parseTag(_ text: String, file: String, models: [ModelName] = ModelName.builtIn) throws -> FolderSettings {
        let root = try TOMLSection.parse(text, file: file)
        try root.rejectUnknownKeys(keys)
        return try parse(root, models: models)
    }

    public func apply(to inbox: inout InboxConfig) {
        if let model { inbox.model = model }
        if let prompt { inbox.prompt = prompt }
        if let maxTokens { inbox.maxTokens = maxTokens }
    }
}
