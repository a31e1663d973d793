import Foundation
import XCTest
@testable import Tokenizers

/// The Cohere (Command R / Aya) tokenizer. Its files are CC-BY-NC-4.0 and never committed: these
/// tests read ../shared/tokenizers/cohere or $SCRAWL_COHERE_TOKENIZER_DIR and are skipped without it.
final class CohereTokenizerTests: XCTestCase {
    private func cohere() throws -> (BPETokenizer, URL) {
        guard let dir = Fixtures.cohereDirectory, let result = Fixtures.cohere else {
            throw XCTSkip("Cohere tokenizer not present (set SCRAWL_COHERE_TOKENIZER_DIR or provide ../shared/tokenizers/cohere): Cohere checks skipped")
        }
        return (try result.get(), dir)
    }

    func testLlamaCppVectors() throws {
        let (tokenizer, dir) = try cohere()
        let vectors = try Fixtures.llamaVectors(directory: dir, name: "ggml-vocab-command-r.gguf")
        XCTAssertEqual(vectors.count, 46)
        for (text, expected) in vectors {
            assertSameIDs(tokenizer.encode(text), expected, "llama.cpp vector \(text.debugDescription)")
        }
    }

    func testCorpusMatchesReferenceIDs() throws {
        let (tokenizer, _) = try cohere()
        let corpus = try Fixtures.qwen2Corpus()
        let reference = try XCTUnwrap(Fixtures.json("cohere-corpus-ids.json") as? [String: Any])
        let ids = try XCTUnwrap(reference["ids"] as? [[Int]])
        XCTAssertEqual(ids.count, corpus.texts.count)
        for (text, expected) in zip(corpus.texts, ids) {
            assertSameIDs(tokenizer.encode(text), expected, "corpus line \(text.debugDescription)")
        }
        // Byte-level BPE loses nothing but the normalisation: decoding gives the NFC text back.
        for (text, expected) in zip(corpus.texts, ids) {
            XCTAssertEqual(tokenizer.decode(expected), Normalizer.nfc(text), text.debugDescription)
        }
        let withSpecial = try XCTUnwrap(reference["ids_with_special_tokens"] as? [[Int]])
        for (text, expected) in zip(corpus.texts, withSpecial) {
            assertSameIDs(tokenizer.encode(text, addSpecialTokens: true), expected, "with BOS: \(text.debugDescription)")
        }
    }

    func testSpecialTokenIDs() throws {
        let (tokenizer, _) = try cohere()
        XCTAssertEqual(tokenizer.bosTokenID, 5)
        XCTAssertEqual(tokenizer.eosTokenID, 255001)
        XCTAssertEqual(tokenizer.tokenID("<|IMG_PATCH|>"), 255036)
        XCTAssertEqual(tokenizer.vocabularySize, 255037)
        XCTAssertEqual(tokenizer.encode("Hi", addSpecialTokens: true).first, 5)
        XCTAssertEqual(tokenizer.encode("<BOS_TOKEN>Hi"), tokenizer.encode("Hi", addSpecialTokens: true))
    }
}
