import Foundation
import XCTest
@testable import Tokenizers

/// Tokenizer folders in every layout the hub ships, read as transformers 4.57.6 reads them (see
/// `TokenizerFolder`): CRLF and byte-order marks, vocab.json + merges.txt + added_tokens.json without
/// tokenizer_config.json (class from config.json's model_type), and clear errors for incomplete or
/// ambiguous folders. The flags expected below are what transformers 4.57.6 reports for the same
/// folders (probed with scripts/reference/make_real_layout_fixtures.py's `layout_variants`).
final class TokenizerLayoutTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try Fixtures.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func copy(_ name: String, crlf: Bool = false, bom: Bool = false) throws {
        var bytes = [UInt8](try Data(contentsOf: Fixtures.qwen2Directory.appendingPathComponent(name)))
        if crlf { bytes = Self.crlf(bytes) }
        if bom { bytes = [0xEF, 0xBB, 0xBF] + bytes }
        try Data(bytes).write(to: dir.appendingPathComponent(name))
    }

    private func write(_ name: String, _ text: String, crlf: Bool = false) throws {
        let bytes = Array(text.utf8)
        try Data(crlf ? Self.crlf(bytes) : bytes).write(to: dir.appendingPathComponent(name))
    }

    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            if b == 0x0A { out.append(0x0D) }
            out.append(b)
        }
        return out
    }

    /// added_tokens.json of prithivMLmods/Qwen2-VL-OCR-2B-Instruct's sibling upload (16 lines, CRLF: 408 B).
    static let realAddedTokens = """
    {
      "<|box_end|>": 151649,
      "<|box_start|>": 151648,
      "<|endoftext|>": 151643,
      "<|im_end|>": 151645,
      "<|im_start|>": 151644,
      "<|image_pad|>": 151655,
      "<|object_ref_end|>": 151647,
      "<|object_ref_start|>": 151646,
      "<|quad_end|>": 151651,
      "<|quad_start|>": 151650,
      "<|video_pad|>": 151656,
      "<|vision_end|>": 151653,
      "<|vision_pad|>": 151654,
      "<|vision_start|>": 151652
    }
    """

    private func assertCorpus(_ tokenizer: BPETokenizer, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let corpus = try Fixtures.qwen2Corpus()
        for (text, expected) in zip(corpus.texts, corpus.ids) {
            assertSameIDs(tokenizer.encode(text), expected, "\(label): \(text.prefix(40).debugDescription)", file: file, line: line)
        }
    }

    func testCRLFMergesTokenizeLikeLF() throws {
        // Before: Swift reads "\r\n" as one Character, so the whole CRLF file was one "#version" line and
        // every merge was dropped without an error (552 prompt tokens instead of 504).
        try copy("vocab.json")
        try copy("merges.txt", crlf: true)
        try copy("tokenizer_config.json", crlf: true)
        let tokenizer = try BPETokenizer(directory: dir)
        XCTAssertEqual(tokenizer.model.merges.count, 151_387)
        try assertCorpus(tokenizer, "CRLF merges.txt")
    }

    func testOldMacLineEndsAndByteOrderMarks() throws {
        try copy("vocab.json", bom: true)
        let merges = [UInt8](try Data(contentsOf: Fixtures.qwen2Directory.appendingPathComponent("merges.txt")))
        try Data([0xEF, 0xBB, 0xBF] + merges.map { $0 == 0x0A ? 0x0D : $0 }).write(to: dir.appendingPathComponent("merges.txt"))
        try copy("tokenizer_config.json", crlf: true, bom: true)
        let tokenizer = try BPETokenizer(directory: dir)
        XCTAssertEqual(tokenizer.model.merges.count, 151_387)
        try assertCorpus(tokenizer, "BOM + CR merges.txt")
    }

    func testTokenizerJSONWithByteOrderMarkAndCRLF() throws {
        try copy("tokenizer.json", crlf: true, bom: true)
        try copy("tokenizer_config.json", crlf: true, bom: true)
        try assertCorpus(try BPETokenizer(directory: dir), "BOM + CRLF tokenizer.json")
    }

    /// The default model's layout: no tokenizer.json, no tokenizer_config.json; the class comes from
    /// config.json (qwen2_vl → Qwen2Tokenizer), the chat/vision tokens from added_tokens.json.
    func testQwenRealLayoutFromAddedTokensJSON() throws {
        try copy("vocab.json")
        try copy("merges.txt", crlf: true)
        try write("added_tokens.json", Self.realAddedTokens, crlf: true)
        try write("config.json", #"{"architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl"}"#, crlf: true)
        let tokenizer = try BPETokenizer(directory: dir)
        XCTAssertEqual(tokenizer.vocabularySize, 151_657)
        try assertCorpus(tokenizer, "vocab.json + merges.txt + added_tokens.json")
        // transformers 4.57.6: Qwen2TokenizerFast; bos None, eos/unk/pad "<|endoftext|>" (class defaults);
        // <|endoftext|> special and matched raw; the 13 others special=False, normalized=True.
        XCTAssertEqual(tokenizer.specialTokens.bos, nil)
        XCTAssertEqual(tokenizer.specialTokens.eos, "<|endoftext|>")
        XCTAssertEqual(tokenizer.specialTokens.pad, "<|endoftext|>")
        XCTAssertEqual(tokenizer.specialTokens.unk, "<|endoftext|>")
        XCTAssertNil(tokenizer.bosTokenID)
        XCTAssertEqual(tokenizer.eosTokenID, 151_643)
        XCTAssertTrue(tokenizer.isSpecial(151_643))
        for id in 151_644...151_656 { XCTAssertFalse(tokenizer.isSpecial(id), "\(id)") }
        XCTAssertEqual(tokenizer.decode([151_644, 9707, 151_645, 151_643], skipSpecialTokens: true), "<|im_start|>Hello<|im_end|>")
        XCTAssertEqual(tokenizer.encode("<|im_start|>user\n<|image_pad|><|endoftext|>"), [151_644, 872, 198, 151_655, 151_643])
    }

    func testClassFromTokenizerConfigWithoutAddedTokensDecoder() throws {
        // transformers: the eos the config names becomes special; <|im_start|> stays a plain added token.
        try copy("vocab.json")
        try copy("merges.txt")
        try write("added_tokens.json", Self.realAddedTokens)
        try write("tokenizer_config.json", #"{"tokenizer_class": "Qwen2Tokenizer", "eos_token": "<|im_end|>"}"#)
        let tokenizer = try BPETokenizer(directory: dir)
        XCTAssertEqual(tokenizer.eosTokenID, 151_645)
        XCTAssertTrue(tokenizer.isSpecial(151_645))
        XCTAssertTrue(tokenizer.isSpecial(151_643))
        XCTAssertFalse(tokenizer.isSpecial(151_644))
        XCTAssertEqual(tokenizer.decode([151_644, 9707, 151_645, 151_643], skipSpecialTokens: true), "<|im_start|>Hello")
    }

    func testVocabAndMergesWithoutAddedTokensGetsTheClassDefaults() throws {
        // transformers adds the class's "<|endoftext|>" after the vocabulary (id 151643); nothing else.
        try copy("vocab.json")
        try copy("merges.txt")
        try write("config.json", #"{"model_type": "qwen2"}"#)
        let tokenizer = try BPETokenizer(directory: dir)
        XCTAssertEqual(tokenizer.vocabularySize, 151_644)
        XCTAssertEqual(tokenizer.eosTokenID, 151_643)
        XCTAssertTrue(tokenizer.isSpecial(151_643))
        XCTAssertNil(tokenizer.tokenID("<|im_start|>"))
    }

    // MARK: - Incomplete or ambiguous folders

    private func assertLayoutError(_ expectedFile: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try BPETokenizer(directory: dir), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(expectedFile), "\(text.debugDescription) does not name \(expectedFile)", file: file, line: line)
            XCTAssertTrue(text.contains(fragment), "\(text.debugDescription) lacks \(fragment.debugDescription)", file: file, line: line)
        }
    }

    func testVocabWithoutMergesNamesMergesTxt() throws {
        try copy("vocab.json")
        assertLayoutError(dir.appendingPathComponent("merges.txt").path, "vocab.json is there")
    }

    func testNoClassAnywhereNamesTokenizerConfig() throws {
        try copy("vocab.json")
        try copy("merges.txt")
        assertLayoutError("tokenizer_config.json", "model_type")
    }

    func testUnknownModelTypeNamesConfigJSON() throws {
        try copy("vocab.json")
        try copy("merges.txt")
        try write("config.json", #"{"model_type": "gpt_neox"}"#)
        assertLayoutError(dir.appendingPathComponent("config.json").path, "gpt_neox")
    }

    func testCohereNeedsTokenizerJSON() throws {
        try copy("vocab.json")
        try copy("merges.txt")
        try write("config.json", #"{"model_type": "aya_vision"}"#)
        assertLayoutError("vocab.json", "CohereTokenizerFast has no slow tokenizer")
    }

    func testMergeLineWithThreeTokensNamesTheLine() throws {
        try copy("vocab.json")
        try write("merges.txt", "#version: 0.2\r\nĠ Ġ\r\nĠ t h\r\n")
        try write("config.json", #"{"model_type": "qwen2_vl"}"#)
        assertLayoutError(dir.appendingPathComponent("merges.txt").path, "line 3")
    }

    func testLegacySpecialTokensMapThatTransformersMisreadsIsRefused() throws {
        // transformers 4.57.6 turns eos "<|im_end|>" into "<|vision_start|>" (the last added_tokens.json entry).
        try copy("vocab.json")
        try copy("merges.txt")
        try write("added_tokens.json", Self.realAddedTokens)
        try write("config.json", #"{"model_type": "qwen2_vl"}"#)
        try write("special_tokens_map.json", #"{"additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "eos_token": "<|im_end|>"}"#)
        assertLayoutError(dir.appendingPathComponent("special_tokens_map.json").path, "<|vision_start|>")
    }

    func testTextFilesReadLikePythonTextMode() throws {
        let url = dir.appendingPathComponent("chat_template.jinja")
        try Data([0xEF, 0xBB, 0xBF] + Array("{{ a }}\r\nb\rc\n\r\n".utf8)).write(to: url)
        XCTAssertEqual(try TextFile.text(url), "{{ a }}\nb\nc\n\n")
        XCTAssertEqual(try TextFile.lines(url), ["{{ a }}", "b", "c", ""])
        try Data("no line end".utf8).write(to: url)
        XCTAssertEqual(try TextFile.text(url), "no line end")
        try Data([0xFF, 0xFE]).write(to: url)
        XCTAssertThrowsError(try TextFile.text(url)) { XCTAssertTrue("\($0)".contains("not valid UTF-8"), "\($0)") }
    }
}
