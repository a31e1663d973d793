import Foundation

/// Which files of a checkpoint folder make its tokenizer, resolved the way transformers 4.57.6's
/// `AutoTokenizer.from_pretrained` does:
/// - `tokenizer.json` when present (with `tokenizer_config.json` / `special_tokens_map.json` if there);
/// - else `vocab.json` + `merges.txt` (+ `added_tokens.json`, `tokenizer_config.json`,
///   `special_tokens_map.json` when present), converted from the slow tokenizer, whose class comes from
///   tokenizer_config.json's `tokenizer_class`, else config.json's `tokenizer_class` or `model_type`.
/// An incomplete or ambiguous folder is an error naming the file and what is missing.
struct TokenizerFolder {
    var definition: TokenizerDefinition
    var specialTokens: SpecialTokenNames
    /// The file whose names are resolved against the vocabulary (for error messages).
    var namingFile: String
    /// Which files made the tokenizer, for people (`scrawl models verify`).
    var source: String

    init(directory: URL) throws {
        let fm = FileManager.default
        func file(_ name: String) -> URL? {
            let url = directory.appendingPathComponent(name)
            return fm.fileExists(atPath: url.path) ? url : nil
        }
        let configURL = file("tokenizer_config.json")
        let config = try configURL.map { try TokenizerConfig.parse(JSONObject.load($0)) }
        let mapURL = file("special_tokens_map.json")
        let addedURL = file("added_tokens.json")
        // transformers reads special_tokens_map.json and added_tokens.json only when tokenizer_config.json
        // has no added_tokens_decoder (its "legacy" branch).
        let legacy = !(config?.hasAddedTokensDecoder ?? false)
        let map = try legacy ? mapURL.map { try TokenizerConfig.parse(JSONObject.load($0)) } : nil

        if let tokenizerJSON = file("tokenizer.json") {
            let tokenizerClass = try Self.tokenizerClass(directory: directory, config: config, configURL: configURL, required: false)
            definition = try TokenizerDefinition.load(tokenizerJSON: tokenizerJSON)
            // tokenizer.json's added tokens are authoritative; the config only adds ids it does not have.
            let known = Set(definition.addedTokens.map(\.id))
            definition.addedTokens += (config?.addedTokens ?? []).filter { !known.contains($0.id) }
            specialTokens = SpecialTokenNames(config: config, map: map, tokenizerClass: tokenizerClass)
            namingFile = configURL?.path ?? tokenizerJSON.path
            source = (["tokenizer.json"] + [configURL, map == nil ? nil : mapURL].compactMap { $0?.lastPathComponent }).joined(separator: " + ")
            return
        }

        let vocab = directory.appendingPathComponent("vocab.json")
        let merges = directory.appendingPathComponent("merges.txt")
        switch (fm.fileExists(atPath: vocab.path), fm.fileExists(atPath: merges.path)) {
        case (false, false):
            throw TokenizerError.missingFile(path: directory.appendingPathComponent("tokenizer.json").path,
                                             hint: "and no vocab.json + merges.txt in \(directory.path) either")
        case (true, false):
            throw TokenizerError.missingFile(path: merges.path, hint: "vocab.json is there but its merges.txt is not, and there is no tokenizer.json")
        case (false, true):
            throw TokenizerError.missingFile(path: vocab.path, hint: "merges.txt is there but its vocab.json is not, and there is no tokenizer.json")
        case (true, true):
            break
        }
        guard let tokenizerClass = try Self.tokenizerClass(directory: directory, config: config, configURL: configURL, required: true) else {
            throw TokenizerError.layout(file: directory.path, reason: "no tokenizer class") // unreachable: required
        }
        guard tokenizerClass.readsVocabAndMerges else {
            throw TokenizerError.layout(file: vocab.path, reason: "\(tokenizerClass.rawValue)Fast has no slow tokenizer: transformers builds it only from tokenizer.json, which this folder lacks")
        }

        var added: [AddedToken]
        let names = SpecialTokenNames(config: config, map: map, tokenizerClass: tokenizerClass)
        if !legacy {
            added = config?.addedTokens ?? []
        } else if let addedURL {
            let entries = try Self.addedTokensFile(addedURL)
            if let map, let mapURL { try Self.checkLegacyLookup(map: map, mapURL: mapURL, added: entries, addedURL: addedURL, names: names) }
            // Tokens the files name as special are special and matched raw; the rest are plain added tokens
            // matched in normalised text (transformers: `normalized=not special, special=special`).
            let special = names.fileNamed
            added = entries.map { entry in
                let isSpecial = special.contains(entry.content)
                return AddedToken(id: entry.id, content: entry.content, special: isSpecial, lstrip: false, rstrip: false,
                                  singleWord: false, normalized: !isSpecial)
            }
        } else {
            added = []
        }
        definition = try TokenizerDefinition.load(vocab: vocab, merges: merges, addedTokens: [], pattern: tokenizerClass.slowPattern)
        names.register(in: &added, vocab: definition.model.vocab)
        definition.addedTokens = added
        specialTokens = names
        namingFile = configURL?.path ?? addedURL?.path ?? vocab.path
        let files = ["vocab.json", "merges.txt"] + [addedURL, configURL, map == nil ? nil : mapURL].compactMap { $0?.lastPathComponent }
        source = files.joined(separator: " + ") + " (\(tokenizerClass.rawValue)" + (configURL == nil ? ", class from config.json)" : ")")
    }

    /// tokenizer_config.json's `tokenizer_class`, else config.json's `tokenizer_class`, else the class of
    /// config.json's `model_type`. `required`: the folder cannot be read without it (vocab.json + merges.txt).
    private static func tokenizerClass(directory: URL, config: TokenizerConfig?, configURL: URL?, required: Bool) throws -> TokenizerClass? {
        if let name = config?.tokenizerClass, let configURL {
            if let known = TokenizerClass(className: name) { return known }
            guard !required else {
                throw TokenizerError.unsupported(file: configURL.path, component: "tokenizer_class for vocab.json + merges.txt (only Qwen2Tokenizer)", type: name)
            }
            return nil
        }
        let modelConfigURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: modelConfigURL.path) else {
            guard !required else {
                throw TokenizerError.missingFile(path: (configURL ?? directory.appendingPathComponent("tokenizer_config.json")).path,
                                                 hint: "vocab.json + merges.txt need the tokenizer class: tokenizer_config.json's \"tokenizer_class\" or config.json's \"model_type\", and this folder has neither")
            }
            return nil
        }
        let modelConfig = try JSONObject.load(modelConfigURL)
        if let name = try modelConfig.optionalString("tokenizer_class") {
            if let known = TokenizerClass(className: name) { return known }
            guard !required else {
                throw TokenizerError.unsupported(file: modelConfigURL.path, component: "tokenizer_class for vocab.json + merges.txt (only Qwen2Tokenizer)", type: name)
            }
            return nil
        }
        guard let modelType = try modelConfig.optionalString("model_type") else {
            guard !required else {
                throw TokenizerError.layout(file: modelConfigURL.path, reason: "no \"model_type\", and no tokenizer_config.json names the tokenizer class for vocab.json + merges.txt")
            }
            return nil
        }
        if let known = TokenizerClass(modelType: modelType) { return known }
        guard !required else {
            throw TokenizerError.unsupported(file: modelConfigURL.path, component: "model_type for a vocab.json + merges.txt tokenizer", type: modelType)
        }
        return nil
    }

    /// added_tokens.json: `{"<token>": id, …}` in file order.
    private static func addedTokensFile(_ url: URL) throws -> [(content: String, id: Int)] {
        let json = try JSONObject.load(url)
        return try json.members.map { content, value in
            guard let id = value.intValue, (0..<AddedToken.maximumID).contains(id) else {
                throw json.malformed(content, "expected an integer token id in 0..<\(AddedToken.maximumID)")
            }
            return (content, id)
        }
    }

    /// transformers 4.57.6 mis-resolves one legacy layout: with added_tokens.json, a special_tokens_map.json
    /// listing `additional_special_tokens`, and no added_tokens_decoder, a special token whose name equals
    /// the last additional token is replaced by the LAST entry of added_tokens.json (a stale loop variable
    /// in `_from_pretrained`). Refused rather than silently resolving it differently from transformers.
    private static func checkLegacyLookup(map: TokenizerConfig, mapURL: URL, added: [(content: String, id: Int)], addedURL: URL,
                                          names: SpecialTokenNames) throws {
        guard let last = map.additionalSpecialTokens?.last, let lastEntry = added.last, lastEntry.content != last else { return }
        for (key, name) in names.fileNamedByKey where name == last {
            throw TokenizerError.layout(file: mapURL.path, reason: "\(key) \"\(last)\" is also the last additional_special_tokens entry; with \(addedURL.lastPathComponent) and no added_tokens_decoder in tokenizer_config.json, transformers 4.57 resolves it to \"\(lastEntry.content)\" instead. Add a tokenizer_config.json with added_tokens_decoder (save the tokenizer with transformers) to make the folder unambiguous")
        }
    }
}
