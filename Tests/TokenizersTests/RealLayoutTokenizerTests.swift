import Foundation
import XCTest
@testable import Tokenizers

/// The tokenizers of Tests/Fixtures/real-layout (folders with exactly the real repositories' file lists)
/// against transformers 4.57.6 loading the same folders (scripts/reference/make_real_layout_fixtures.py).
final class RealLayoutTokenizerTests: XCTestCase {
    static let realLayout = Fixtures.root.appendingPathComponent("../real-layout").standardizedFileURL
    static let qwen: Result<BPETokenizer, Error> = Result {
        try BPETokenizer(directory: realLayout.appendingPathComponent("qwen2-vl-ocr-2b-instruct"))
    }

    private func golden(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Self.realLayout.appendingPathComponent("golden/\(name)"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// vocab.json + CRLF merges.txt + CRLF added_tokens.json, class from config.json: the same ids as
    /// transformers for the mixed-script corpus and a long mixed text (CRLF, tabs, emoji, NFD, markup).
    func testQwenRealLayoutIDsMatchTransformers() throws {
        let tokenizer = try Self.qwen.get()
        let g = try golden("qwen-tokenizer.json")
        XCTAssertEqual(g["tokenizer_class"] as? String, "Qwen2TokenizerFast")
        XCTAssertEqual(tokenizer.vocabularySize, g["len"] as? Int)
        let texts = try XCTUnwrap(g["texts"] as? [String])
        let ids = try XCTUnwrap(g["ids"] as? [[Int]])
        let decoded = try XCTUnwrap(g["decoded_skip_special"] as? [String])
        XCTAssertGreaterThan(texts.last?.count ?? 0, 5000)
        for (i, text) in texts.enumerated() {
            let mine = tokenizer.encode(text)
            assertSameIDs(mine, ids[i], "text \(i) \(text.prefix(30).debugDescription)")
            XCTAssertEqual(tokenizer.decode(mine, skipSpecialTokens: true), decoded[i], "decode \(i)")
        }
        let special = try XCTUnwrap(g["special_tokens"] as? [String: Any])
        XCTAssertEqual(tokenizer.specialTokens.bos, special["bos"] as? String)
        XCTAssertEqual(tokenizer.specialTokens.eos, special["eos"] as? String)
        XCTAssertEqual(tokenizer.specialTokens.unk, special["unk"] as? String)
        XCTAssertEqual(tokenizer.specialTokens.pad, special["pad"] as? String)
        for (key, value) in try XCTUnwrap(g["added_tokens"] as? [String: [String: Any]]) {
            let id = try XCTUnwrap(Int(key))
            XCTAssertEqual(tokenizer.token(forID: id), value["content"] as? String)
            XCTAssertEqual(tokenizer.isSpecial(id), value["special"] as? Bool, "special flag of \(id)")
        }
    }

    /// The legacy layouts transformers resolves from the same files (golden/tokenizer-layouts.json).
    func testLegacyLayoutVariantsMatchTransformers() throws {
        let source = Self.realLayout.appendingPathComponent("qwen2-vl-ocr-2b-instruct")
        for variant in try XCTUnwrap(golden("tokenizer-layouts.json")["variants"] as? [[String: Any]]) {
            let label = try XCTUnwrap(variant["label"] as? String)
            let dir = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            for name in ["vocab.json", "merges.txt", "config.json"] {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
            }
            for (name, content) in try XCTUnwrap(variant["files"] as? [String: Any]) {
                if content is NSNull {
                    try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
                } else {
                    try JSONSerialization.data(withJSONObject: content).write(to: dir.appendingPathComponent(name))
                }
            }
            let special = try XCTUnwrap(variant["special_tokens"] as? [String: Any])
            guard special["eos"] as? String != "<|vision_start|>" else {
                // transformers' stale-variable bug: refused with an error naming the file instead.
                XCTAssertThrowsError(try BPETokenizer(directory: dir), label) { error in
                    XCTAssertTrue("\(error)".contains("special_tokens_map.json"), "\(error)")
                }
                continue
            }
            let tokenizer = try BPETokenizer(directory: dir)
            XCTAssertEqual(tokenizer.vocabularySize, variant["len"] as? Int, label)
            XCTAssertEqual(tokenizer.specialTokens.eos, special["eos"] as? String, label)
            XCTAssertEqual(tokenizer.specialTokens.pad, special["pad"] as? String, label)
            XCTAssertEqual(tokenizer.specialTokens.bos, special["bos"] as? String, label)
            let specialIDs = try XCTUnwrap(variant["special_ids"] as? [Int])
            XCTAssertEqual((0..<tokenizer.vocabularySize).filter { tokenizer.isSpecial($0) }, specialIDs, label)
        }
    }

    /// Aya: the prompt string transformers' processor builds (long preamble, 169 tokens a tile) encodes
    /// to the reference prompt ids; this part does not depend on how the chat template is rendered.
    func testAyaRealLayoutPromptIDs() throws {
        let tokenizer = try BPETokenizer(directory: Self.realLayout.appendingPathComponent("aya-vision-8b"))
        XCTAssertEqual(tokenizer.specialTokens.bos, "<BOS_TOKEN>")
        for name in ["aya-wide-2x1", "aya-one-tile"] {
            let g = try golden("\(name).json")
            let text = try XCTUnwrap(g["expanded_text"] as? String)
            XCTAssertTrue(text.hasPrefix("<BOS_TOKEN><|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|># System Preamble"))
            let ids = try XCTUnwrap(g["prompt_ids"] as? [Int])
            XCTAssertGreaterThan(ids.count, 1000, name)
            assertSameIDs(tokenizer.encode(text), ids, name)
        }
    }
}
