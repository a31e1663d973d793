/// The names of a tokenizer's special tokens, resolved as transformers 4.57.6 does: the keys of
/// tokenizer_config.json, overridden by special_tokens_map.json where transformers reads that file,
/// and the tokenizer class's `__init__` defaults for keys no file sets.
public struct SpecialTokenNames: Sendable, Equatable {
    public var bos: String?
    public var eos: String?
    public var unk: String?
    public var pad: String?
    public var sep: String?
    public var cls: String?
    public var mask: String?
    public var additional: [String]
    /// The names set by a file (not class defaults), by key, in transformers' attribute order.
    var fileNamedByKey: [(key: String, name: String)]
    /// Names that only the class defaults supply.
    var classDefaults: Set<String>

    public static func == (a: SpecialTokenNames, b: SpecialTokenNames) -> Bool {
        (a.bos, a.eos, a.unk, a.pad, a.additional) == (b.bos, b.eos, b.unk, b.pad, b.additional)
    }

    init(config: TokenizerConfig?, map: TokenizerConfig?, tokenizerClass: TokenizerClass?) {
        var keys = config?.specialTokens ?? [:]
        var additional = config?.additionalSpecialTokens ?? []
        if let map {
            for (key, value) in map.specialTokens { keys[key] = value }
            for name in map.additionalSpecialTokens ?? [] where !additional.contains(name) { additional.append(name) }
        }
        var fromFiles = [(key: String, name: String)]()
        for key in TokenizerConfig.specialTokenKeys {
            if let set = keys[key], let name = set { fromFiles.append((key, name)) }
        }
        var defaults = Set<String>()
        for (key, value) in tokenizerClass?.defaultSpecialTokens ?? [:] where keys[key] == nil {
            keys[key] = value
            if let value { defaults.insert(value) }
        }
        bos = keys["bos_token"] ?? nil
        eos = keys["eos_token"] ?? nil
        unk = keys["unk_token"] ?? nil
        pad = keys["pad_token"] ?? nil
        sep = keys["sep_token"] ?? nil
        cls = keys["cls_token"] ?? nil
        mask = keys["mask_token"] ?? nil
        self.additional = additional
        fileNamedByKey = fromFiles
        classDefaults = defaults.subtracting(fromFiles.map(\.name))
        allNames = TokenizerConfig.specialTokenKeys.compactMap { keys[$0] ?? nil } + additional
    }

    /// What transformers passes a chat template: the tokenizer's `special_tokens_map`.
    public var chatTemplateTokens: ChatSpecialTokens {
        ChatSpecialTokens(bos: bos, eos: eos, unk: unk, sep: sep, pad: pad, cls: cls, mask: mask, additional: additional)
    }

    /// Every special token name (class defaults included), in transformers' attribute order.
    private let allNames: [String]

    /// The names the files set (transformers' `special_tokens` when it reads added_tokens.json).
    var fileNamed: Set<String> { Set(fileNamedByKey.map(\.name) + additional) }

    /// What the slow tokenizer's `__init__` does with its special tokens: each becomes a special added
    /// token; one the files already define keeps its `normalized` flag, one that only the class default
    /// names is matched raw; one that no file defines is added after the largest id (or at its
    /// vocabulary id).
    func register(in added: inout [AddedToken], vocab: [String: Int]) {
        for name in allNames {
            if let index = added.firstIndex(where: { $0.content == name }) {
                let token = added[index]
                added[index] = AddedToken(id: token.id, content: name, special: true, lstrip: token.lstrip, rstrip: token.rstrip,
                                          singleWord: token.singleWord,
                                          normalized: classDefaults.contains(name) ? false : token.normalized)
            } else {
                let next = max(vocab.values.max().map { $0 + 1 } ?? 0, added.map { $0.id + 1 }.max() ?? 0)
                added.append(AddedToken(id: vocab[name] ?? next, content: name, special: true, lstrip: false, rstrip: false,
                                        singleWord: false, normalized: false))
            }
        }
    }
}
