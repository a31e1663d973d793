import Foundation

/// Everything parsed from a tokenizer's files, before it is assembled into a `BPETokenizer`.
struct TokenizerDefinition {
    var addedTokens: [AddedToken]
    var normalizer: Normalizer
    var preTokenizer: [PreTokenizerStep]
    var model: BPEModel
    var postProcessor: PostProcessor

    /// Parses tokenizer.json as the tokenizers library writes it.
    static func load(tokenizerJSON url: URL) throws -> TokenizerDefinition {
        let json = try JSONObject.load(url)
        let file = url.path
        let added = try json.isNull("added_tokens") ? [] : json.objects("added_tokens").map { try AddedToken.parse($0, id: $0.int("id")) }
        let normalizer = try Normalizer.parse(try json.optionalObject("normalizer"), file: file)
        let pre = try PreTokenizerStep.parse(try json.optionalObject("pre_tokenizer"), file: file)
        try checkByteLevel(pre, file: file)
        try checkDecoder(try json.optionalObject("decoder"), file: file)
        let model = try parseModel(try json.object("model"), file: file)
        let post = try PostProcessor.parse(try json.optionalObject("post_processor"), file: file)
        return TokenizerDefinition(addedTokens: added, normalizer: normalizer, preTokenizer: pre, model: model, postProcessor: post)
    }

    /// Builds the pipeline transformers converts a slow byte-level tokenizer (`Qwen2Tokenizer`) into:
    /// NFC, the class's split regex, ByteLevel, BPE from vocab.json + merges.txt, no post-processor.
    static func load(vocab vocabURL: URL, merges mergesURL: URL, addedTokens: [AddedToken], pattern: String) throws -> TokenizerDefinition {
        let vocabJSON = try JSONObject.load(vocabURL)
        let vocab = try vocabMap(vocabJSON.members, file: vocabURL.path, key: "(root)")
        let model = try BPEModel(vocab: vocab, merges: try mergesFile(mergesURL), ignoreMerges: false, unknownToken: nil,
                                 fuseUnknown: false, file: mergesURL.path)
        return TokenizerDefinition(
            addedTokens: addedTokens, normalizer: .nfc,
            preTokenizer: [.split(try RegexSplitter(pattern: pattern, file: vocabURL.path)), .byteLevel(addPrefixSpace: false, regex: nil)],
            model: model, postProcessor: .none)
    }

    /// merges.txt as the slow tokenizer reads it: universal newlines (CRLF and CR files read like LF),
    /// each line stripped, blank lines and a first `#version` line skipped, the two tokens split at
    /// whitespace. A line that is not two tokens is an error naming the file and line.
    static func mergesFile(_ url: URL) throws -> [(String, String)] {
        var merges = [(String, String)]()
        for (index, line) in try TextFile.lines(url).enumerated() {
            let fields = line.split(whereSeparator: { $0.isWhitespace })
            if fields.isEmpty || (index == 0 && line.trimmingCharacters(in: .whitespaces).hasPrefix("#version:")) { continue }
            guard fields.count == 2 else {
                throw TokenizerError.invalidMerge(file: url.path, index: index + 1, merge: line,
                                                  reason: "line \(index + 1) is not two tokens separated by a space")
            }
            merges.append((String(fields[0]), String(fields[1])))
        }
        return merges
    }

    private static func parseModel(_ json: JSONObject, file: String) throws -> BPEModel {
        let type = try json.optionalString("type") ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupported(file: file, component: "model", type: type) }
        if case let .double(dropout)? = json.field("dropout"), dropout > 0 {
            throw TokenizerError.unsupported(file: file, component: "BPE option", type: "dropout \(dropout)")
        }
        if try json.bool("byte_fallback", default: false) {
            throw TokenizerError.unsupported(file: file, component: "BPE option", type: "byte_fallback: true")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try json.optionalString(key), !value.isEmpty {
                throw TokenizerError.unsupported(file: file, component: "BPE option", type: "\(key) '\(value)'")
            }
        }
        let vocab = try vocabMap(try json.object("vocab").members, file: file, key: json.keyPath("vocab"))
        let rawMerges = try json.array("merges")
        var merges = [(String, String)]()
        merges.reserveCapacity(rawMerges.count)
        for (index, entry) in rawMerges.enumerated() {
            if let s = entry.stringValue {
                guard let pair = splitMerge(s) else {
                    throw TokenizerError.invalidMerge(file: file, index: index, merge: s, reason: "expected two tokens separated by one space")
                }
                merges.append(pair)
            } else if let pair = entry.arrayValue, pair.count == 2, let a = pair[0].stringValue, let b = pair[1].stringValue {
                merges.append((a, b))
            } else {
                throw TokenizerError.invalidMerge(file: file, index: index, merge: "\(entry)", reason: "expected \"a b\" or [\"a\", \"b\"]")
            }
        }
        return try BPEModel(vocab: vocab, merges: merges, ignoreMerges: try json.bool("ignore_merges", default: false),
                            unknownToken: try json.optionalString("unk_token"), fuseUnknown: try json.bool("fuse_unk", default: false),
                            file: file)
    }

    /// "a b" → ("a", "b"); nil unless there is exactly one space with text on both sides.
    private static func splitMerge(_ s: String) -> (String, String)? {
        let utf8 = s.utf8
        guard let space = utf8.firstIndex(of: 0x20), space != utf8.startIndex else { return nil }
        let rest = utf8.index(after: space)
        guard rest != utf8.endIndex, !utf8[rest...].contains(0x20) else { return nil }
        return (String(s[..<space]), String(s[rest...]))
    }

    private static func vocabMap(_ fields: [(key: String, value: JSONValue)], file: String, key: String) throws -> [String: Int] {
        var vocab = [String: Int](minimumCapacity: fields.count)
        for (token, value) in fields {
            guard let id = value.intValue, (0..<AddedToken.maximumID).contains(id) else {
                throw TokenizerError.malformedJSON(file: file, key: "\(key).\(token)", reason: "expected an integer id in 0..<\(AddedToken.maximumID)")
            }
            vocab[token] = id
        }
        return vocab
    }

    /// Byte-level BPE needs a ByteLevel pre-tokenizer, and it must come last (later steps would see
    /// byte characters instead of text).
    private static func checkByteLevel(_ steps: [PreTokenizerStep], file: String) throws {
        guard case .byteLevel? = steps.last else {
            throw TokenizerError.unsupported(file: file, component: "pre_tokenizer", type: "pipeline without a final ByteLevel step (only byte-level BPE is supported)")
        }
        for step in steps.dropLast() {
            if case .byteLevel = step {
                throw TokenizerError.unsupported(file: file, component: "pre_tokenizer", type: "ByteLevel before other steps")
            }
        }
    }

    private static func checkDecoder(_ json: JSONObject?, file: String) throws {
        guard let json else {
            throw TokenizerError.unsupported(file: file, component: "decoder", type: "null (a ByteLevel decoder is required)")
        }
        let type = try json.string("type")
        guard type == "ByteLevel" else { throw TokenizerError.unsupported(file: file, component: "decoder", type: type) }
    }
}
