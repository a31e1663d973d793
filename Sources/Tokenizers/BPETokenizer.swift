import Foundation

/// A byte-level BPE tokenizer loaded from a Hugging Face tokenizer folder (Qwen2, Cohere/Aya).
///
/// Encoding follows the tokenizers library: added tokens are matched as whole strings first (never
/// split), then each remaining stretch is normalised, pre-tokenized and BPE-merged.
public final class BPETokenizer: Sendable {
    private let rawMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let normalizer: Normalizer
    private let preTokenizer: [PreTokenizerStep]
    let model: BPEModel
    private let postProcessor: PostProcessor
    /// id → token string (vocabulary or added token); nil where no token has the id.
    private let tokens: [String?]
    /// id → the bytes the ByteLevel decoder produces for it.
    private let tokenBytes: [[UInt8]]
    private let specialIDs: Set<Int>
    private let addedTokenIDs: [String: Int]

    /// The special-token names (bos/eos/unk/pad/additional) as transformers resolves them for this folder;
    /// what a chat template's `bos_token` / `eos_token` render to.
    public let specialTokens: SpecialTokenNames
    /// Which files made this tokenizer ("tokenizer.json + tokenizer_config.json", …).
    public let source: String
    /// Id of the BOS / EOS token named by `specialTokens`, if any.
    public let bosTokenID: Int?
    public let eosTokenID: Int?

    /// Loads the tokenizer of a checkpoint folder in any layout the hub uses (see `TokenizerFolder`):
    /// tokenizer.json, or vocab.json + merges.txt (+ added_tokens.json), with or without
    /// tokenizer_config.json / special_tokens_map.json.
    public convenience init(directory: URL) throws {
        let folder = try TokenizerFolder(directory: directory)
        try self.init(definition: folder.definition, specialTokens: folder.specialTokens, namingFile: folder.namingFile,
                      source: folder.source)
    }

    /// Loads a tokenizer.json, plus (optionally) the tokenizer_config.json that names BOS/EOS and may
    /// add tokens the tokenizer.json lacks.
    public convenience init(tokenizerJSON: URL, tokenizerConfig: URL?) throws {
        guard FileManager.default.fileExists(atPath: tokenizerJSON.path) else {
            throw TokenizerError.missingFile(path: tokenizerJSON.path, hint: "tokenizer.json as saved by Hugging Face tokenizers")
        }
        let config = try tokenizerConfig.map { try TokenizerConfig.load($0) } ?? TokenizerConfig()
        var definition = try TokenizerDefinition.load(tokenizerJSON: tokenizerJSON)
        let known = Set(definition.addedTokens.map(\.id))
        definition.addedTokens += config.addedTokens.filter { !known.contains($0.id) }
        let tokenizerClass = config.tokenizerClass.flatMap { TokenizerClass(className: $0) }
        try self.init(definition: definition, specialTokens: SpecialTokenNames(config: config, map: nil, tokenizerClass: tokenizerClass),
                      namingFile: tokenizerConfig?.path ?? tokenizerJSON.path,
                      source: ([tokenizerJSON] + [tokenizerConfig].compactMap { $0 }).map(\.lastPathComponent).joined(separator: " + "))
    }

    private init(definition: TokenizerDefinition, specialTokens: SpecialTokenNames, namingFile: String, source: String) throws {
        self.source = source
        let added = definition.addedTokens
        let vocab = definition.model.vocab
        let size = max(vocab.values.max().map { $0 + 1 } ?? 0, added.map { $0.id + 1 }.max() ?? 0)
        var tokens = [String?](repeating: nil, count: size)
        for (token, id) in vocab { tokens[id] = token }
        for token in added { tokens[token.id] = token.content }
        self.tokens = tokens
        tokenBytes = tokens.map { $0.map(ByteLevelAlphabet.decode) ?? [] }

        normalizer = definition.normalizer
        rawMatcher = AddedTokenMatcher(tokens: added.filter { !$0.normalized })
        let normalizer = definition.normalizer
        normalizedMatcher = AddedTokenMatcher(tokens: added.filter(\.normalized), transform: { normalizer.apply($0) })
        preTokenizer = definition.preTokenizer
        model = definition.model
        postProcessor = definition.postProcessor
        specialIDs = Set(added.filter(\.special).map(\.id))
        let addedIDs = Dictionary(added.map { ($0.content, $0.id) }, uniquingKeysWith: { first, _ in first })
        addedTokenIDs = addedIDs
        self.specialTokens = specialTokens

        func resolve(_ name: String?) throws -> Int? {
            guard let name else { return nil }
            if let id = addedIDs[name] ?? vocab[name] { return id }
            // A name only the class default supplies is not an error (transformers would add it as a token).
            guard specialTokens.classDefaults.contains(name) else { throw TokenizerError.unknownToken(file: namingFile, token: name) }
            return nil
        }
        bosTokenID = try resolve(specialTokens.bos)
        eosTokenID = try resolve(specialTokens.eos)
    }

    // MARK: - Encoding

    /// Token ids of `text`, without special tokens around it.
    public func encode(_ text: String) -> [Int] {
        encode(text, addSpecialTokens: false)
    }

    /// Token ids of `text`; with `addSpecialTokens` the post-processor adds its tokens (Cohere: BOS).
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        var ids = [Int]()
        for segment in rawMatcher.split(text) {
            switch segment {
            case let .token(id):
                ids.append(id)
            case let .text(raw):
                let normalized = normalizer.apply(raw)
                for inner in normalizedMatcher.split(normalized) {
                    switch inner {
                    case let .token(id): ids.append(id)
                    case let .text(piece): tokenizeNormalized(piece, into: &ids)
                    }
                }
            }
        }
        return addSpecialTokens ? postProcessor.apply(ids) : ids
    }

    private func tokenizeNormalized(_ text: String, into ids: inout [Int]) {
        var pieces = [text]
        for step in preTokenizer { pieces = step.apply(pieces) }
        for piece in pieces { model.tokenize(piece, into: &ids) }
    }

    // MARK: - Decoding

    /// Text of `ids` as the ByteLevel decoder gives it: bytes of all tokens joined, invalid UTF-8
    /// replaced by U+FFFD. Ids with no token are dropped; `skipSpecialTokens` drops tokens flagged special.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes = [UInt8]()
        for id in ids { appendBytes(of: id, skipSpecialTokens: skipSpecialTokens, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the decoder bytes of one id (nothing for unknown ids or skipped special tokens).
    func appendBytes(of id: Int, skipSpecialTokens: Bool, to bytes: inout [UInt8]) {
        guard id >= 0, id < tokenBytes.count else { return }
        if skipSpecialTokens && specialIDs.contains(id) { return }
        bytes.append(contentsOf: tokenBytes[id])
    }

    // MARK: - Vocabulary

    /// Id of a token string: an added token's content or a vocabulary entry (byte-level form, e.g. "Ġthe").
    public func tokenID(_ token: String) -> Int? {
        addedTokenIDs[token] ?? model.vocab[token]
    }

    /// The token string of an id (byte-level form for vocabulary entries), nil when no token has it.
    public func token(forID id: Int) -> String? {
        guard id >= 0, id < tokens.count else { return nil }
        return tokens[id]
    }

    /// One more than the largest id of a vocabulary entry or added token (HF's `len(tokenizer)`).
    public var vocabularySize: Int { tokens.count }

    /// Whether the id is an added token flagged `special` (what `skipSpecialTokens` removes).
    public func isSpecial(_ id: Int) -> Bool { specialIDs.contains(id) }
}
