import Foundation
import Jinja

/// A checkpoint's chat template, parsed once by the Jinja engine and rendered for typed messages
/// exactly as transformers' `apply_chat_template` renders it (same environment, same variables:
/// `messages`, `tools` and `documents` as None, `add_generation_prompt`, and the tokenizer's special
/// tokens).
public struct ChatTemplate: Sendable {
    private let template: Template
    public let specialTokens: ChatSpecialTokens
    /// The file (or name) the template came from.
    public let sourceName: String
    /// What the template emits for one image part, found by rendering a turn with and without an image
    /// (Qwen2-VL: `<|vision_start|><|image_pad|><|vision_end|>`, Aya: `<image>`); empty if the
    /// template emits nothing for images or cannot render a single user turn. Rendered on demand (the
    /// engines expand the image tokens in the rendered prompt and never need it).
    public var imageMarkup: String { Self.findImageMarkup(template, specialTokens) }

    /// Reads the template of a checkpoint folder: chat_template.jinja, else chat_template.json, else
    /// tokenizer_config.json's "chat_template" (transformers' order). `specialTokens`: the tokenizer's
    /// (`BPETokenizer.specialTokens.chatTemplateTokens`), as transformers passes them.
    public init(checkpointDirectory: URL, specialTokens: ChatSpecialTokens) throws {
        let fm = FileManager.default
        let configURL = checkpointDirectory.appendingPathComponent("tokenizer_config.json")
        let config = fm.fileExists(atPath: configURL.path) ? try TokenizerConfig.parse(JSONObject.load(configURL)) : nil
        let jinjaURL = checkpointDirectory.appendingPathComponent("chat_template.jinja")
        let jsonURL = checkpointDirectory.appendingPathComponent("chat_template.json")
        let source: String
        let sourceURL: URL
        if fm.fileExists(atPath: jinjaURL.path) {
            source = try TextFile.text(jinjaURL)   // Python's text mode: CRLF → LF
            sourceURL = jinjaURL
        } else if fm.fileExists(atPath: jsonURL.path) {
            guard let s = try TokenizerConfig.chatTemplate(try JSONObject.load(jsonURL), key: "chat_template") else {
                throw TokenizerError.malformedJSON(file: jsonURL.path, key: "chat_template", reason: "missing")
            }
            source = s
            sourceURL = jsonURL
        } else if let s = config?.chatTemplate {
            source = s
            sourceURL = configURL
        } else {
            throw TokenizerError.missingChatTemplate(directory: checkpointDirectory.path)
        }
        try self.init(source: source, sourceName: sourceURL.path, specialTokens: specialTokens)
    }

    /// The folder's template with the special tokens of the folder's own tokenizer (loads the tokenizer).
    public init(checkpointDirectory: URL) throws {
        try self.init(checkpointDirectory: checkpointDirectory,
                      specialTokens: BPETokenizer(directory: checkpointDirectory).specialTokens.chatTemplateTokens)
    }

    /// Parses a template source. `sourceName` (a file path) is named in errors; `specialTokens` are
    /// what `{{ bos_token }}` and friends render to (unset ones are undefined, rendering as nothing).
    public init(source: String, sourceName: String = "chat_template", specialTokens: ChatSpecialTokens = ChatSpecialTokens()) throws {
        template = try Template(source, sourceName: sourceName)
        self.sourceName = sourceName
        self.specialTokens = specialTokens
    }

    /// Renders a conversation; content is passed as transformers' processors pass it, a list of
    /// `{"type": "image"}` / `{"type": "text", "text": ...}` dicts. Throws `JinjaError` (with the
    /// template file and line) for constructs the engine lacks or when the template raises.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool) throws -> String {
        try ChatTemplate.render(template, specialTokens, messages: messages, addGenerationPrompt: addGenerationPrompt)
    }

    /// One user turn, the image then the text, with the generation prompt: the OCR prompt.
    public func renderImagePrompt(text: String) throws -> String {
        try render(messages: [ChatMessage(role: "user", content: [.image, .text(text)])], addGenerationPrompt: true)
    }

    private static func render(_ template: Template, _ tokens: ChatSpecialTokens, messages: [ChatMessage],
                               addGenerationPrompt: Bool) throws -> String {
        var vars: [String: Value] = [
            "messages": .list(messages.map(value)),
            "tools": .none,
            "documents": .none,
            "add_generation_prompt": .bool(addGenerationPrompt),
        ]
        for (name, token) in tokens.named {
            if let token, !token.isEmpty { vars[name] = .string(token) }
        }
        if !tokens.additional.isEmpty { vars["additional_special_tokens"] = .list(tokens.additional.map(Value.string)) }
        return try template.render(vars)
    }

    private static func value(_ message: ChatMessage) -> Value {
        let parts: [Value] = message.content.map { part in
            switch part {
            case .image: return ["type": "image"]
            case let .text(t): return ["type": "text", "text": .string(t)]
            }
        }
        return ["role": .string(message.role), "content": .list(parts)]
    }

    private static func findImageMarkup(_ template: Template, _ tokens: ChatSpecialTokens) -> String {
        let probe = "\u{1F}probe\u{1F}"
        guard let with = try? render(template, tokens, messages: [ChatMessage(role: "user", content: [.image, .text(probe)])], addGenerationPrompt: true),
              let without = try? render(template, tokens, messages: [ChatMessage(role: "user", content: [.text(probe)])], addGenerationPrompt: true) else {
            return ""
        }
        let a = Array(with.unicodeScalars), b = Array(without.unicodeScalars)
        var prefix = 0
        while prefix < min(a.count, b.count), a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < min(a.count, b.count) - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        guard a.count - suffix >= prefix else { return "" }
        return String(String.UnicodeScalarView(a[prefix..<(a.count - suffix)]))
    }
}
