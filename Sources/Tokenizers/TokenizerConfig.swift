import Foundation

/// What scrawl reads from tokenizer_config.json (and special_tokens_map.json): extra added tokens,
/// the names of the BOS/EOS tokens, the tokenizer class and the chat template.
struct TokenizerConfig {
    var addedTokens: [AddedToken] = []
    var bosToken: String?
    var eosToken: String?
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
        config.bosToken = try tokenName(json, "bos_token")
        config.eosToken = try tokenName(json, "eos_token")
        config.tokenizerClass = try json.optionalString("tokenizer_class")
        config.chatTemplate = try chatTemplate(json, key: "chat_template")

        let mapURL = url.deletingLastPathComponent().appendingPathComponent("special_tokens_map.json")
        if FileManager.default.fileExists(atPath: mapURL.path) {
            let map = try JSONObject.load(mapURL)
            if config.bosToken == nil { config.bosToken = try tokenName(map, "bos_token") }
            if config.eosToken == nil { config.eosToken = try tokenName(map, "eos_token") }
        }
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
