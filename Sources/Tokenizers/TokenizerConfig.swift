import Foundation

/// What scrawl reads from tokenizer_config.json (and special_tokens_map.json): extra added tokens,
/// the special tokens (BOS/EOS and the others a chat template is given), the tokenizer class and the
/// chat template.
struct TokenizerConfig {
    var addedTokens: [AddedToken] = []
    var specialTokens = ChatSpecialTokens()
    var bosToken: String? {
        get { specialTokens.bos }
        set { specialTokens.bos = newValue }
    }
    var eosToken: String? {
        get { specialTokens.eos }
        set { specialTokens.eos = newValue }
    }
    var tokenizerClass: String?
    var chatTemplate: String?

    /// Reads `url` (tokenizer_config.json); special_tokens_map.json beside it fills BOS/EOS it lacks.
    static func load(_ url: URL) throws -> TokenizerConfig {
        let json = try JSONObject.load(url)
        var config = TokenizerConfig()
        if let decoder = try json.optionalObject("added_tokens_decoder") {
            for (key, _) in decoder.members {
                guard let id = Int(key) else { throw decoder.malformed(key, "added token ids must be integers") }
                config.addedTokens.append(try AddedToken.parse(try decoder.object(key), id: id))
            }
            config.addedTokens.sort { $0.id < $1.id }
        }
        try config.readSpecialTokens(json, overwrite: true)
        config.tokenizerClass = try json.optionalString("tokenizer_class")
        config.chatTemplate = try chatTemplate(json, key: "chat_template")

        let mapURL = url.deletingLastPathComponent().appendingPathComponent("special_tokens_map.json")
        if FileManager.default.fileExists(atPath: mapURL.path) {
            let map = try JSONObject.load(mapURL)
            try config.readSpecialTokens(map, overwrite: false)
        }
        return config
    }

    /// bos/eos/unk/sep/pad/cls/mask tokens and additional_special_tokens; without `overwrite` only
    /// those still unset are filled.
    private mutating func readSpecialTokens(_ json: JSONObject, overwrite: Bool) throws {
        let keys: [(String, WritableKeyPath<ChatSpecialTokens, String?>)] = [
            ("bos_token", \.bos), ("eos_token", \.eos), ("unk_token", \.unk), ("sep_token", \.sep), ("pad_token", \.pad),
            ("cls_token", \.cls), ("mask_token", \.mask),
        ]
        for (key, path) in keys where overwrite || specialTokens[keyPath: path] == nil {
            if let name = try Self.tokenName(json, key) { specialTokens[keyPath: path] = name }
        }
        if (overwrite || specialTokens.additional.isEmpty), let list = json.field("additional_special_tokens")?.arrayValue {
            specialTokens.additional = try list.map { item in
                if let s = item.stringValue { return s }
                guard let content = item.membersValue?.last(where: { $0.key == "content" })?.value.stringValue else {
                    throw json.malformed("additional_special_tokens", "entries must be strings or objects with \"content\"")
                }
                return content
            }
        }
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
