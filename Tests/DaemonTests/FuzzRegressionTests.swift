import XCTest
@testable import Daemon

/// Inputs found by the libFuzzer targets in Tests/Fuzz (scripts/fuzz.sh) that once crashed the process.
final class FuzzRegressionTests: XCTestCase {
    /// FuzzConfig: `[` then U+0001 failed an assert in TOMLKit's toml++ (parse_key) and aborted the process,
    /// in release builds too. Any raw control character (TOML allows only tab, LF and CRLF) is now a
    /// syntax error naming its line and column.
    func testControlCharacterAfterTableBracketIsASyntaxError() {
        for text in ["[\u{1}", "[\u{1}]\npath = 1", "prompt = \"a\"\n[\u{1b}x]"] {
            XCTAssertThrowsError(try ScrawlConfig.parse(text, file: "/etc/scrawl/scrawl.toml"), "\(Array(text.utf8))") { error in
                guard case let .syntax(file, line, _, message)? = error as? ConfigError else {
                    return XCTFail("expected a syntax error, got \(error)")
                }
                XCTAssertEqual(file, "/etc/scrawl/scrawl.toml")
                XCTAssertEqual(line, text.hasPrefix("prompt") ? 2 : 1)
                XCTAssertTrue(message.contains("control character U+00"), message)
            }
            XCTAssertThrowsError(try FolderSettings.parseTag(text, file: "/srv/scans/.scrawl.toml"))
        }
    }

    /// The fuzzer's original input (tag parser), with the line and column of the control character.
    func testFuzzerInputForFolderTag() {
        let text = String(decoding: [0x5B, 0x01, 0x03] + Array("rompt = 'C:\\patd".utf8), as: UTF8.self)
        XCTAssertThrowsError(try FolderSettings.parseTag(text, file: "t.toml")) { error in
            XCTAssertEqual(error as? ConfigError, .syntax(file: "t.toml", line: 1, column: 2,
                message: "the control character U+0001 is not allowed (write it as an escape in a \"string\")"))
        }
    }

    /// What TOML does allow still parses: tabs, CRLF line ends, escaped control characters in strings.
    func testTabsCRLFAndEscapesStillParse() throws {
        let tag = try FolderSettings.parseTag("prompt\t= \"a\\u0001b\\tc\"\r\nmax_tokens = 7\r\n", file: "t.toml")
        XCTAssertEqual(tag.prompt, "a\u{1}b\tc")
        XCTAssertEqual(tag.maxTokens, 7)
        XCTAssertThrowsError(try FolderSettings.parseTag("max_tokens = 7\r", file: "t.toml")) { error in
            guard case let .syntax(_, line, column, message)? = error as? ConfigError else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 1)
            XCTAssertEqual(column, 15)
            XCTAssertTrue(message.contains("carriage return"), message)
        }
    }
}
