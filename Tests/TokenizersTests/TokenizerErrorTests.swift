import Foundation
import XCTest
@testable import Tokenizers

/// Bad tokenizer folders give errors that name the file, key or type.
final class TokenizerErrorTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try Fixtures.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// The tiny Aya tokenizer.json with one part replaced.
    private func writeVariant(_ change: (inout [String: Any]) -> Void) throws -> URL {
        var json = try XCTUnwrap(Fixtures.json("aya-tiny/tokenizer.json") as? [String: Any])
        change(&json)
        let url = dir.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return url
    }

    private func assertError(_ url: URL, _ check: (TokenizerError) -> Bool, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try BPETokenizer(tokenizerJSON: url, tokenizerConfig: nil), file: file, line: line) { error in
            guard let e = error as? TokenizerError else { return XCTFail("not a TokenizerError: \(error)", file: file, line: line) }
            XCTAssertTrue(check(e), "unexpected error: \(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains(message), "message \(e.description.debugDescription) lacks \(message.debugDescription)", file: file, line: line)
        }
    }

    func testEmptyFolder() {
        XCTAssertThrowsError(try BPETokenizer(directory: dir)) { error in
            guard case TokenizerError.missingFile(let path, _)? = error as? TokenizerError else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("tokenizer.json"))
        }
    }

    func testNotJSON() throws {
        let url = dir.appendingPathComponent("tokenizer.json")
        try Data("{ not json".utf8).write(to: url)
        assertError(url, { if case .malformedJSON = $0 { return true }; return false }, url.path)
    }

    func testUnsupportedPreTokenizer() throws {
        let url = try writeVariant { $0["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁"] }
        assertError(url, { $0 == .unsupported(file: url.path, component: "pre_tokenizer", type: "Metaspace") }, "Metaspace")
    }

    func testUnsupportedModelAndNormalizer() throws {
        var url = try writeVariant { json in
            var model = json["model"] as? [String: Any] ?? [:]
            model["type"] = "WordPiece"
            json["model"] = model
        }
        assertError(url, { if case .unsupported(_, "model", "WordPiece") = $0 { return true }; return false }, "WordPiece")
        url = try writeVariant { $0["normalizer"] = ["type": "NFKC"] }
        assertError(url, { if case .unsupported(_, "normalizer", "NFKC") = $0 { return true }; return false }, "NFKC")
    }

    func testMissingKeyIsNamed() throws {
        let url = try writeVariant { json in
            var model = json["model"] as? [String: Any] ?? [:]
            model.removeValue(forKey: "merges")
            json["model"] = model
        }
        assertError(url, { if case .malformedJSON(_, "model.merges", _) = $0 { return true }; return false }, "model.merges")
    }

    func testMergeOutsideVocabulary() throws {
        let url = try writeVariant { json in
            var model = json["model"] as? [String: Any] ?? [:]
            model["merges"] = [["Ġ", "t"], ["zzz", "q"]]
            json["model"] = model
        }
        assertError(url, { if case .invalidMerge(_, 1, _, _) = $0 { return true }; return false }, "zzz")
    }

    func testOutOfRangeTokenID() throws {
        let url = try writeVariant { json in
            json["added_tokens"] = [["id": -1, "content": "<x>", "special": true]]
        }
        assertError(url, { if case .malformedJSON(_, "added_tokens[0].id", _) = $0 { return true }; return false }, "-1")
    }

    func testVocabAndMergesNeedQwen2Class() throws {
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: Fixtures.qwen2Directory.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        try Data(#"{"tokenizer_class": "GPT2Tokenizer"}"#.utf8).write(to: dir.appendingPathComponent("tokenizer_config.json"))
        XCTAssertThrowsError(try BPETokenizer(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("GPT2Tokenizer"), "\(error)")
        }
    }
}
