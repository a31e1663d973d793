import Foundation
import XCTest
@testable import Tokenizers

/// Locations of the tokenizer fixtures and tokenizers shared by the tests (loading the 7 MB Qwen2
/// tokenizer.json once keeps the debug test run short).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/tokenizers").standardizedFileURL
    static let qwen2Directory = root.appendingPathComponent("qwen2")
    static let ayaTinyDirectory = root.appendingPathComponent("aya-tiny")

    /// The Cohere tokenizer (CC-BY-NC-4.0, never committed): $SCRAWL_COHERE_TOKENIZER_DIR when set,
    /// else ../shared/tokenizers/cohere relative to the repository root. Nil when it has no tokenizer.json.
    static var cohereDirectory: URL? {
        let repoRoot = root.appendingPathComponent("../../..").standardizedFileURL
        let dir = ProcessInfo.processInfo.environment["SCRAWL_COHERE_TOKENIZER_DIR"].map { URL(fileURLWithPath: $0) }
            ?? repoRoot.appendingPathComponent("../shared/tokenizers/cohere").standardizedFileURL
        return FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer.json").path) ? dir : nil
    }

    static let qwen2: Result<BPETokenizer, Error> = Result { try BPETokenizer(directory: qwen2Directory) }
    static let ayaTiny: Result<BPETokenizer, Error> = Result { try BPETokenizer(directory: ayaTinyDirectory) }
    static let cohere: Result<BPETokenizer, Error>? = cohereDirectory.map { dir in Result { try BPETokenizer(directory: dir) } }

    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(name)))
    }

    /// The mixed-script corpus with the reference Qwen2 encodings.
    struct Corpus {
        let texts: [String]
        let ids: [[Int]]
        let decoded: [String]
        let decodedSkipSpecial: [String]
    }

    static func qwen2Corpus() throws -> Corpus {
        let d = try XCTUnwrap(json("qwen2-corpus.json") as? [String: Any])
        return Corpus(texts: try XCTUnwrap(d["texts"] as? [String]), ids: try XCTUnwrap(d["ids"] as? [[Int]]),
                      decoded: try XCTUnwrap(d["decoded"] as? [String]),
                      decodedSkipSpecial: try XCTUnwrap(d["decoded_skip_special"] as? [String]))
    }

    /// llama.cpp's test vectors: inputs separated by "\n__ggml_vocab_test__\n" (the file ends with the
    /// marker), outputs one line of space-separated ids per input.
    static func llamaVectors(directory: URL, name: String) throws -> [(String, [Int])] {
        let input = try String(contentsOf: directory.appendingPathComponent("\(name).inp"), encoding: .utf8)
        let output = try String(contentsOf: directory.appendingPathComponent("\(name).out"), encoding: .utf8)
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        if texts.last == "" { texts.removeLast() }
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        XCTAssertEqual(texts.count, lines.count, "\(name): inputs and outputs differ in count")
        return zip(texts, lines).map { text, line in (text, line.split(separator: " ").compactMap { Int($0) }) }
    }

    /// A fresh temporary directory for tests that write files.
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-tokenizers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Reports the first differing position, so a failing corpus line is readable.
func assertSameIDs(_ actual: [Int], _ expected: [Int], _ context: String, file: StaticString = #filePath, line: UInt = #line) {
    guard actual != expected else { return }
    let index = (0..<min(actual.count, expected.count)).first { actual[$0] != expected[$0] } ?? min(actual.count, expected.count)
    XCTFail("\(context): ids differ at \(index): got \(Array(actual[index...].prefix(8))) expected \(Array(expected[index...].prefix(8))) (lengths \(actual.count)/\(expected.count))",
            file: file, line: line)
}
