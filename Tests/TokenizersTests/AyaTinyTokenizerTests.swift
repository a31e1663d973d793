import Foundation
import XCTest
@testable import Tokenizers

/// The small Aya-style tokenizer (Cohere's pipeline, trained by scripts/reference/make_aya_tokenizer.py)
/// used by the tiny Aya Vision checkpoints, against the reference library.
final class AyaTinyTokenizerTests: XCTestCase {
    func testCorpusMatchesReference() throws {
        let tokenizer = try Fixtures.ayaTiny.get()
        let corpus = try Fixtures.qwen2Corpus()
        let reference = try XCTUnwrap(Fixtures.json("aya-tiny-corpus.json") as? [String: Any])
        let ids = try XCTUnwrap(reference["ids"] as? [[Int]])
        let withSpecial = try XCTUnwrap(reference["ids_with_special_tokens"] as? [[Int]])
        let decoded = try XCTUnwrap(reference["decoded"] as? [String])
        XCTAssertEqual(ids.count, corpus.texts.count)
        for (i, text) in corpus.texts.enumerated() {
            assertSameIDs(tokenizer.encode(text), ids[i], "line \(text.debugDescription)")
            assertSameIDs(tokenizer.encode(text, addSpecialTokens: true), withSpecial[i], "with BOS: \(text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(ids[i]), decoded[i])
        }
    }

    func testSpecialTokensFollowCohereOrder() throws {
        let tokenizer = try Fixtures.ayaTiny.get()
        XCTAssertEqual(tokenizer.tokenID("<PAD>"), 0)
        XCTAssertEqual(tokenizer.bosTokenID, 5)
        XCTAssertEqual(tokenizer.tokenID("<BOS_TOKEN>"), 5)
        let start = try XCTUnwrap(tokenizer.tokenID("<|START_OF_TURN_TOKEN|>"))
        XCTAssertEqual(tokenizer.eosTokenID, start + 1)
        XCTAssertEqual(tokenizer.tokenID("<|IMG_PATCH|>"), tokenizer.vocabularySize - 1)
        XCTAssertTrue(tokenizer.isSpecial(start))
    }

    /// Options the shipped files do not use (lstrip/rstrip/single_word/normalized added tokens and
    /// ByteLevel add_prefix_space), on variants of the tiny tokenizer made by the reference library.
    func testVariantsMatchReference() throws {
        let dir = Fixtures.root.appendingPathComponent("aya-tiny-variants")
        let variants = try XCTUnwrap(Fixtures.json("aya-tiny-variants/variants.json") as? [String: [[String: Any]]])
        XCTAssertEqual(variants.count, 3)
        for (file, cases) in variants {
            let tokenizer = try BPETokenizer(tokenizerJSON: dir.appendingPathComponent(file), tokenizerConfig: nil)
            for c in cases {
                let text = try XCTUnwrap(c["text"] as? String)
                assertSameIDs(tokenizer.encode(text), try XCTUnwrap(c["ids"] as? [Int]), "\(file): \(text.debugDescription)")
                if let expected = c["decoded_skip_special"] as? String {
                    XCTAssertEqual(tokenizer.decode(tokenizer.encode(text), skipSpecialTokens: true), expected, "\(file): \(text.debugDescription)")
                }
            }
        }
    }
}
