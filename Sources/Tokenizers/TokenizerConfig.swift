import Foundation

/// What scrawl reads from tokenizer_config.json (and special_tokens_map.json): extra added tokens,
/// the special-token names, the tokenizer class and the chat template.
struct TokenizerConfig {
    var addedTokens: [AddedToken] = []
    /// Whether the file has "added_tokens_decoder". transformers then takes the added tokens from it
    /// and reads neither added_tokens.json nor special_tokens_map.json (4.57.6 `_from_pretrained`).
    var hasAddedTokensDecoder = false
    /// The special-token keys the file sets (`bos_token`, `eos_token`, `unk_token`, `pad_token`, …):
    /// a name, or nil where the file sets the key to null. Absent keys take the class defaults.
    var specialTokens: [String: String?] = [:]
    var additionalSpecialTokens: [String]?
    var tokenizerClass: String?
    var chatTemplate: String?

    /// transformers' `SPECIAL_TOKENS_ATTRIBUTES` that name one token.
    static let specialTokenKeys = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// Reads `url` (tokenizer_config.json); special_tokens_map.json beside it fills the BOS/EOS it lacks
    /// (for a tokenizer.json given with its config file). A checkpoint folder's tokenizer resolves names with
    /// `SpecialTokenNames`, which follows transformers' precedence exactly.
    static func load(_ url: URL) throws -> TokenizerConfig {
        var config = try parse(JSONObject.load(url))
        let mapURL = url.deletingLastPathComponent().appendingPathComponent("special_tokens_map.json")
        if FileManager.default.fileExists(atPath: mapURL.path) {
            let map = try parse(JSONObject.load(mapURL))
            for key in ["bos_token", "eos_token"] where config.specialTokens[key] == nil {
                config.specialTokens[key] = map.specialTokens[key]
            }
        }
        return config
    }

    /// The keys of one tokenizer_config.json or special_tokens_map.json, nothing merged.
    static func parse(_ json: JSONObject) throws -> TokenizerConfig {
        var config = TokenizerConfig()
        if let decoder = try json.optionalObject("added_tokens_decoder") {
            config.hasAddedTokensDecoder = true
            for (key, _) in decoder.members {
                guard let id = Int(key) else { throw decoder.malformed(key, "added token ids must be integers") }
                config.addedTokens.append(try AddedToken.parse(try decoder.object(key), id: id))
            }
            config.addedTokens.sort { $0.id < $1.id }
        }
        for key in specialTokenKeys where json.field(key) != nil {
            config.specialTokens[key] = try tokenName(json, key)
        }
        if !json.isNull("additional_special_tokens") {
            config.additionalSpecialTokens = try json.array("additional_special_tokens").enumerated().map { index, value in
                if let s = value.stringValue { return s }
                guard let members = value.membersValue else {
                    throw json.malformed("additional_special_tokens[\(index)]", "expected a string or an object with \"content\"")
                }
                return try JSONObject(file: json.file, path: json.keyPath("additional_special_tokens[\(index)]"), members: members).string("content")
            }
        }
        config.tokenizerClass = try json.optionalString("tokenizer_class")
        config.chatTemplate = try chatTemplate(json, key: "chat_template")
        return config
    }

    /// A special token given either as a string or as an AddedToken object with "content".
    static func tokenName(_ json: JSONObject, _ key: String) throws -> String? {
        if json.isNull(key) { return nil }
        if let s = json.field(key)?.stringValue { return s }
        return try json.object(key).string("content")
    }

    /// `chat_template` as a string, or as a list of {name, template} (the one named "default").
    static func chatTemplate(_ json: JSONObject, key: String) throws -> String? {
        if json.isNull(key) { return nil }
        if let s = json.field(key)?.stringValue { return s }
        let list = try json.objects(key)
        for entry in list where try entry.string("name") == "default" {
            return try entry.string("template")
        }
        throw json.malformed(key, "a list of templates without one named \"default\"")
    }
}
