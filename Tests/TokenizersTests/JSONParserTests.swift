import Foundation
import XCTest
@testable import Tokenizers

/// The tokenizer-file JSON parser against JSONSerialization, plus its error cases.
final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    /// Structural equality with what JSONSerialization returns.
    private func assertSame(_ value: JSONValue, _ reference: Any, _ path: String = "$", file: StaticString = #filePath, line: UInt = #line) {
        switch value {
        case .null:
            XCTAssertTrue(reference is NSNull, path, file: file, line: line)
        case let .bool(b):
            XCTAssertEqual(reference as? Bool, b, path, file: file, line: line)
        case let .int(n):
            XCTAssertEqual((reference as? NSNumber)?.int64Value, Int64(n), path, file: file, line: line)
        case let .double(d):
            XCTAssertEqual((reference as? NSNumber)?.doubleValue ?? .nan, d, accuracy: abs(d) * 1e-15, path, file: file, line: line)
        case let .string(s):
            XCTAssertEqual(reference as? String, s, path, file: file, line: line)
        case let .array(elements):
            guard let ref = reference as? [Any], ref.count == elements.count else { return XCTFail("\(path): array differs", file: file, line: line) }
            for (k, (a, b)) in zip(elements, ref).enumerated() { assertSame(a, b, "\(path)[\(k)]", file: file, line: line) }
        case let .object(members):
            guard let ref = reference as? [String: Any], ref.count == Set(members.map(\.key)).count else { return XCTFail("\(path): object differs", file: file, line: line) }
            for (key, value) in members {
                guard let other = ref[key] else { return XCTFail("\(path).\(key) missing", file: file, line: line) }
                assertSame(value, other, "\(path).\(key)", file: file, line: line)
            }
        }
    }

    func testEdgeCasesMatchJSONSerialization() throws {
        let cases = [
            #"{"a": [1, -2, 3.5, -0.25e2, 1E3, 0, 12345678901234], "b": {"c": null, "d": true, "e": false}}"#,
            #"["plain", "esc \" \\ \/ \b \f \n \r \t", "\u00e9\u4e2d", "\ud83d\udc4d pair", "Ġhello Ã¶", ""]"#,
            #"  {"nested": [[[]], {}, [{"x": [1, {"y": "z"}]}]]}  "#,
        ]
        for text in cases {
            let reference = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            assertSame(try parse(text), reference)
        }
        // Repeated keys are all kept in order; JSONObject.field(_:) reads the last one.
        XCTAssertEqual(try parse(#"{"dup": 1, "dup": 2}"#).membersValue?.count, 2)
    }

    func testLoneSurrogateBecomesReplacement() throws {
        XCTAssertEqual(try parse(#""\ud800x""#).stringValue, "\u{FFFD}x")
    }

    func testFixtureFilesMatchJSONSerialization() throws {
        for name in ["aya-tiny/tokenizer.json", "aya-tiny/tokenizer_config.json", "qwen2/tokenizer_config.json",
                     "chat-templates.json", "decode-cases.json", "aya-tiny-variants/variants.json"] {
            let data = try Data(contentsOf: Fixtures.root.appendingPathComponent(name))
            assertSame(try JSONValue.parse([UInt8](data)), try JSONSerialization.jsonObject(with: data), name)
        }
    }

    func testMalformedInputIsRejected() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "{\"a\": 1,}", "tru", "nul", "\"unterminated", "\"bad \\x escape\"",
                     "\"\\u12\"", "01x", "-", "1.", "[1] 2", "{\"a\": \"raw\u{01}control\"}",
                     String(repeating: "[", count: 600) + String(repeating: "]", count: 600)] {
            XCTAssertThrowsError(try parse(text), text.debugDescription)
        }
    }
}
