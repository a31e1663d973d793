import Foundation

/// Renders the prompt of one user turn (image then text, plus the generation prompt) exactly as
/// transformers' `apply_chat_template` does for the chat templates of the models scrawl ships.
///
/// This is not a Jinja engine: the template source is recognised as one of the known families
/// (`ChatTemplateFamily`) and unknown templates are refused with an error.
public struct ChatTemplate: Sendable {
    public let family: ChatTemplateFamily
    /// The text the template emits for one image item (Qwen2-VL:
    /// `<|vision_start|><|image_pad|><|vision_end|>`, Aya: `<image>`). Pass it as `imagePlaceholder`
    /// to get transformers' output; the processor then expands it into the image's tokens.
    public let imageMarkup: String
    private let bosToken: String

    /// Reads the template of a checkpoint folder: chat_template.jinja, else chat_template.json, else
    /// tokenizer_config.json's "chat_template" (transformers' order). `bos_token` comes from
    /// tokenizer_config.json / special_tokens_map.json.
    public init(checkpointDirectory: URL) throws {
        let fm = FileManager.default
        let configURL = checkpointDirectory.appendingPathComponent("tokenizer_config.json")
        let config = fm.fileExists(atPath: configURL.path) ? try TokenizerConfig.load(configURL) : nil
        let jinjaURL = checkpointDirectory.appendingPathComponent("chat_template.jinja")
        let jsonURL = checkpointDirectory.appendingPathComponent("chat_template.json")
        let source: String
        if fm.fileExists(atPath: jinjaURL.path) {
            do {
                source = try String(contentsOf: jinjaURL, encoding: .utf8)
            } catch {
                throw TokenizerError.unreadableFile(path: jinjaURL.path, reason: error.localizedDescription)
            }
        } else if fm.fileExists(atPath: jsonURL.path) {
            guard let s = try TokenizerConfig.chatTemplate(try JSONObject.load(jsonURL), key: "chat_template") else {
                throw TokenizerError.malformedJSON(file: jsonURL.path, key: "chat_template", reason: "missing")
            }
            source = s
        } else if let s = config?.chatTemplate {
            source = s
        } else {
            throw TokenizerError.missingChatTemplate(directory: checkpointDirectory.path)
        }
        try self.init(source: source, bosToken: config?.bosToken)
    }

    /// Recognises a template source. `bosToken` is what `{{ bos_token }}` renders to (transformers
    /// passes the tokenizer's special tokens; without one it renders as nothing).
    public init(source: String, bosToken: String? = nil) throws {
        let recognised = try ChatTemplateFamily.recognise(source)
        family = recognised.family
        imageMarkup = recognised.imageMarkup
        parts = recognised.parts
        self.bosToken = recognised.emitsBOS ? (bosToken ?? "") : ""
    }

    private let parts: ChatTemplateFamily.Parts

    /// One user turn: the image placeholder(s) then the text, plus the generation prompt. The
    /// placeholder is inserted verbatim where the template puts an image item.
    public func renderUserTurn(imagePlaceholder: String, text: String) throws -> String {
        bosToken + parts.preamble + parts.userStart + imagePlaceholder + text + parts.userEnd + parts.generationPrompt
    }
}
