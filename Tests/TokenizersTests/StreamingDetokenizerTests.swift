import Foundation
import XCTest
@testable import Tokenizers

final class StreamingDetokenizerTests: XCTestCase {
    private func stream(_ ids: [Int], _ tokenizer: BPETokenizer, skip: Bool = false) -> [String] {
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, skipSpecialTokens: skip)
        var pieces = ids.map { detokenizer.append($0) }
        pieces.append(detokenizer.finish())
        return pieces
    }

    func testMultiByteCharacterSplitAcrossTokensIsHeldBack() throws {
        let tokenizer = try Fixtures.qwen2.get()
        // "ö" = C3 B6, "👍" = F0 9F 91 8D: one byte-level token per byte.
        let byteIDs = try [0xC3, 0xB6, 0xF0, 0x9F, 0x91, 0x8D].map { byte in
            try XCTUnwrap(tokenizer.tokenID(String(ByteLevelAlphabet.characters[byte])))
        }
        XCTAssertEqual(stream(byteIDs, tokenizer), ["", "ö", "", "", "", "👍", ""])
    }

    func testJoinedPiecesEqualDecodeOnCorpus() throws {
        let tokenizer = try Fixtures.qwen2.get()
        let corpus = try Fixtures.qwen2Corpus()
        for ids in corpus.ids {
            for skip in [false, true] {
                let pieces = stream(ids, tokenizer, skip: skip)
                XCTAssertEqual(pieces.joined(), tokenizer.decode(ids, skipSpecialTokens: skip))
                // No piece but the last may end in a replacement that a later byte would have completed.
                XCTAssertFalse(pieces.dropLast().contains { $0.unicodeScalars.contains("\u{FFFD}") } && !tokenizer.decode(ids).contains("\u{FFFD}"))
            }
        }
    }

    func testInvalidBytesMatchReferenceReplacement() throws {
        let tokenizer = try Fixtures.qwen2.get()
        let cases = try XCTUnwrap(Fixtures.json("decode-cases.json") as? [[String: Any]])
        for c in cases {
            let ids = try XCTUnwrap(c["ids"] as? [Int])
            XCTAssertEqual(stream(ids, tokenizer).joined(), c["decoded"] as? String, "ids \(ids)")
            XCTAssertEqual(stream(ids, tokenizer, skip: true).joined(), c["decoded_skip_special"] as? String, "ids \(ids)")
        }
    }

    func testIncompleteSuffixDetection() {
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([]), 0)
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0x41]), 0)
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0x41, 0xC3]), 1)
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0xE2, 0x82]), 2)
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0xF0, 0x9F, 0x91]), 3)
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0xF0, 0x9F, 0x91, 0x8D]), 0)
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0xE0, 0x80]), 0, "E0 80 can never complete")
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0xED, 0xA0]), 0, "surrogates are invalid")
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0xFF]), 0)
        XCTAssertEqual(UTF8Tail.incompleteSuffixLength([0x80, 0x80, 0x80]), 0)
    }
}
