import Foundation
import XCTest
@testable import Tokenizers

/// The real Qwen2(-VL) tokenizer against the reference `tokenizers` library's outputs.
final class Qwen2TokenizerTests: XCTestCase {
    func testCheckVectorFromReferenceNotes() throws {
        let tokenizer = try Fixtures.qwen2.get()
        XCTAssertEqual(tokenizer.encode("<|im_start|>user\nHello wörld 123<|im_end|>"),
                       [151644, 872, 198, 9707, 289, 9416, 507, 220, 16, 17, 18, 151645])
    }

    func testLlamaCppVectors() throws {
        let tokenizer = try Fixtures.qwen2.get()
        let vectors = try Fixtures.llamaVectors(directory: Fixtures.qwen2Directory, name: "ggml-vocab-qwen2.gguf")
        XCTAssertEqual(vectors.count, 46)
        for (text, expected) in vectors {
            assertSameIDs(tokenizer.encode(text), expected, "llama.cpp vector \(text.debugDescription)")
        }
    }

    func testMixedScriptCorpusMatchesReference() throws {
        let tokenizer = try Fixtures.qwen2.get()
        let corpus = try Fixtures.qwen2Corpus()
        XCTAssertGreaterThan(corpus.texts.count, 300)
        for (text, expected) in zip(corpus.texts, corpus.ids) {
            assertSameIDs(tokenizer.encode(text), expected, "corpus line \(text.debugDescription)")
        }
    }

    func testConcurrentEncodingMatchesReference() throws {
        // The piece cache is shared; encoding from several threads at once must give the same ids.
        let tokenizer = try BPETokenizer(directory: Fixtures.qwen2Directory)  // fresh, empty cache
        let corpus = try Fixtures.qwen2Corpus()
        let mismatches = Mismatches()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for (i, text) in corpus.texts.enumerated() where i % 2 == worker % 2 || worker < 2 {
                if tokenizer.encode(text) != corpus.ids[i] { mismatches.add(i) }
            }
        }
        XCTAssertEqual(mismatches.lines, [])
    }

    func testDecodeMatchesReference() throws {
        let tokenizer = try Fixtures.qwen2.get()
        let corpus = try Fixtures.qwen2Corpus()
        for (i, ids) in corpus.ids.enumerated() {
            XCTAssertEqual(tokenizer.decode(ids), corpus.decoded[i])
            XCTAssertEqual(tokenizer.decode(ids, skipSpecialTokens: true), corpus.decodedSkipSpecial[i])
        }
    }

    func testDecodeRoundTripsNFCText() throws {
        let tokenizer = try Fixtures.qwen2.get()
        for text in ["Grüße aus München", "中文 日本語 한국어 👨‍👩‍👧", "  spaces\t\r\n", "<|im_start|>x<|im_end|>"] {
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text)
        }
    }

    func testInvalidAndSplitUTF8DecodesLikeReference() throws {
        let tokenizer = try Fixtures.qwen2.get()
        let cases = try XCTUnwrap(Fixtures.json("decode-cases.json") as? [[String: Any]])
        XCTAssertFalse(cases.isEmpty)
        for c in cases {
            let ids = try XCTUnwrap(c["ids"] as? [Int])
            XCTAssertEqual(tokenizer.decode(ids), c["decoded"] as? String, "ids \(ids)")
            XCTAssertEqual(tokenizer.decode(ids, skipSpecialTokens: true), c["decoded_skip_special"] as? String, "ids \(ids)")
        }
    }

    func testVocabularyAndSpecialTokens() throws {
        let tokenizer = try Fixtures.qwen2.get()
        XCTAssertEqual(tokenizer.vocabularySize, 151657)
        XCTAssertEqual(tokenizer.tokenID("<|image_pad|>"), 151655)
        XCTAssertEqual(tokenizer.tokenID("Hello"), 9707)
        XCTAssertEqual(tokenizer.tokenID("Ġw"), 289)
        XCTAssertNil(tokenizer.tokenID("no such token"))
        XCTAssertEqual(tokenizer.token(forID: 151645), "<|im_end|>")
        XCTAssertEqual(tokenizer.token(forID: 9416), "Ã¶r")
        XCTAssertNil(tokenizer.token(forID: 151700))
        XCTAssertNil(tokenizer.token(forID: -1))
        XCTAssertTrue(tokenizer.isSpecial(151645))
        XCTAssertFalse(tokenizer.isSpecial(9707))
        XCTAssertNil(tokenizer.bosTokenID)
        XCTAssertEqual(tokenizer.eosTokenID, 151645)
    }

    func testNoSpecialTokensAddedForQwen() throws {
        let tokenizer = try Fixtures.qwen2.get()
        XCTAssertEqual(tokenizer.encode("Hello", addSpecialTokens: true), tokenizer.encode("Hello"))
    }

    func testOCRFineTuneTokenFlags() throws {
        // Qwen2-VL-OCR-2B marks the 13 chat/vision tokens special: false, normalized: true (reference notes
        // 6.4): they still encode whole, but skipSpecialTokens keeps them. Built here from the fixture.
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var json = try XCTUnwrap(Fixtures.json("qwen2/tokenizer.json") as? [String: Any])
        let added = try XCTUnwrap(json["added_tokens"] as? [[String: Any]])
        json["added_tokens"] = added.map { token -> [String: Any] in
            guard token["content"] as? String != "<|endoftext|>" else { return token }
            var t = token
            t["special"] = false
            t["normalized"] = true
            return t
        }
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("tokenizer.json"))
        try Data(#"{"eos_token": "<|endoftext|>", "model_max_length": 1000000000000000019884624838656, "tokenizer_class": "Qwen2Tokenizer"}"#.utf8)
            .write(to: dir.appendingPathComponent("tokenizer_config.json"))
        let tokenizer = try BPETokenizer(directory: dir)
        XCTAssertEqual(tokenizer.eosTokenID, 151643)
        XCTAssertFalse(tokenizer.isSpecial(151645))
        XCTAssertTrue(tokenizer.isSpecial(151643))
        let cases = try XCTUnwrap(Fixtures.json("qwen2-ocr-flags.json") as? [[String: Any]])
        XCTAssertEqual(cases.count, 40)
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            let ids = tokenizer.encode(text)
            assertSameIDs(ids, try XCTUnwrap(c["ids"] as? [Int]), text.debugDescription)
            XCTAssertEqual(tokenizer.decode(ids, skipSpecialTokens: true), c["decoded_skip_special"] as? String)
        }
    }

    func testVocabAndMergesFilesGiveTheSameEncoding() throws {
        // A folder with vocab.json + merges.txt + tokenizer_config.json only (the slow Qwen2Tokenizer files).
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["vocab.json", "merges.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: Fixtures.qwen2Directory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let slow = try BPETokenizer(directory: dir)
        let corpus = try Fixtures.qwen2Corpus()
        XCTAssertEqual(slow.vocabularySize, 151657)
        for (text, expected) in zip(corpus.texts, corpus.ids) {
            assertSameIDs(slow.encode(text), expected, "vocab.json+merges.txt, line \(text.debugDescription)")
        }
    }
}

/// Collects failing line numbers from several threads.
private final class Mismatches: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var found = [Int]()
    func add(_ line: Int) { lock.lock(); found.append(line); lock.unlock() }
    var lines: [Int] { lock.lock(); defer { lock.unlock() }; return found.sorted() }
}
