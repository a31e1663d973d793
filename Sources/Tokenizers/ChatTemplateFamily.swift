/// The chat-template families scrawl can render, recognised from required fragments of their Jinja
/// source (see `recognise`).
public enum ChatTemplateFamily: String, Sendable {
    /// Qwen2-VL: `<|im_start|>role\n … <|im_end|>\n`, a default system turn, vision markers.
    case qwen2VL = "qwen2-vl"
    /// Cohere Command R / Aya Vision: `<BOS_TOKEN><|START_OF_TURN_TOKEN|><|USER_TOKEN|> … <|END_OF_TURN_TOKEN|>`.
    case cohere

    /// The fixed strings a single user turn is assembled from.
    struct Parts: Sendable {
        var preamble: String
        var userStart: String
        var userEnd: String
        var generationPrompt: String
    }

    struct Recognised {
        var family: ChatTemplateFamily
        var imageMarkup: String
        var emitsBOS: Bool
        var parts: Parts
    }

    static func recognise(_ source: String) throws -> Recognised {
        if source.contains("<|im_start|>") { return try qwen2VL(source) }
        if source.contains("<|START_OF_TURN_TOKEN|>") { return try cohere(source) }
        throw TokenizerError.unsupportedChatTemplate(reason: "neither a Qwen2-VL (<|im_start|>) nor a Cohere/Aya (<|START_OF_TURN_TOKEN|>) template")
    }

    private static func require(_ fragments: [String], in source: String, family: String) throws {
        for fragment in fragments where !source.contains(fragment) {
            throw TokenizerError.unsupportedChatTemplate(reason: "looks like a \(family) template but lacks \(fragment.debugDescription)")
        }
    }

    /// The Qwen2-VL template (chat_template.json of Qwen2-VL-2B-Instruct and its fine-tunes).
    private static func qwen2VL(_ source: String) throws -> Recognised {
        let markup = "<|vision_start|><|image_pad|><|vision_end|>"
        try require([
            "<|im_start|>{{ message['role'] }}\n",
            "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n",
            "{% for content in message['content'] %}",
            "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}" + markup,
            "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n",
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
        ], in: source, family: "Qwen2-VL")
        // Default system turn, emitted when the first message is not a system message.
        var preamble = ""
        let guardText = "{% if loop.first and message['role'] != 'system' %}"
        if let range = source.range(of: guardText) {
            let rest = source[range.upperBound...]
            guard let end = rest.range(of: "{% endif %}") else {
                throw TokenizerError.unsupportedChatTemplate(reason: "Qwen2-VL default system block has no {% endif %}")
            }
            preamble = String(rest[..<end.lowerBound])
            guard preamble.hasPrefix("<|im_start|>system\n"), preamble.hasSuffix("<|im_end|>\n"), !preamble.contains("{") else {
                throw TokenizerError.unsupportedChatTemplate(reason: "Qwen2-VL default system block is not a literal system turn: \(preamble.debugDescription)")
            }
        }
        return Recognised(family: .qwen2VL, imageMarkup: markup, emitsBOS: false,
                          parts: Parts(preamble: preamble, userStart: "<|im_start|>user\n", userEnd: "<|im_end|>\n",
                                       generationPrompt: "<|im_start|>assistant\n"))
    }

    /// The Cohere / Aya Vision turn template with list content (image items render as `<image>`).
    private static func cohere(_ source: String) throws -> Recognised {
        try require([
            "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>",
            "<|END_OF_TURN_TOKEN|>",
            "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>",
            "add_generation_prompt",
            "'<image>'",
            "item['text']",
        ], in: source, family: "Cohere/Aya")
        // A default system preamble (the real Aya Vision template is said to have one) is not known here:
        // refuse rather than silently render a different prompt from transformers'.
        if source.contains("system_message") || source.contains("preamble") {
            throw TokenizerError.unsupportedChatTemplate(reason: "Cohere/Aya template with a default system preamble; its rendering is not implemented (see Sources/Tokenizers/ChatTemplateFamily.swift)")
        }
        if source.contains(".strip()") || source.contains("| trim") {
            throw TokenizerError.unsupportedChatTemplate(reason: "Cohere/Aya template that strips message text; not implemented")
        }
        return Recognised(family: .cohere, imageMarkup: "<image>", emitsBOS: source.hasPrefix("{{ bos_token }}") || source.hasPrefix("{{bos_token}}"),
                          parts: Parts(preamble: "", userStart: "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>", userEnd: "<|END_OF_TURN_TOKEN|>",
                                       generationPrompt: "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"))
    }
}
