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

    /// FuzzConfig: a table header whose first character cannot start a key (`[[= "]]`) failed toml++'s
    /// `parse_key` assert and aborted the process. It is now a syntax error at that character.
    func testTableHeaderThatCannotStartWithAKeyIsASyntaxError() {
        let cases: [(String, Int, Int)] = [
            ("[[= \"]]\npath = \"", 1, 3), ("[=", 1, 2), ("[[#x]]", 1, 3), ("[\n", 1, 2), ("[\r\nx=1", 1, 2),
            ("[", 1, 2), ("\u{FEFF}[#", 1, 2), ("a = 1\n  [ \t.x]", 2, 6), ("[\u{A0}a]", 1, 2), ("x = \"\"\"\n[a]\"\"\"\n[{]", 3, 2),
        ]
        for (text, line, column) in cases {
            for parse in [{ _ = try ScrawlConfig.parse(text, file: "c.toml") }, { _ = try FolderSettings.parseTag(text, file: "c.toml") }] {
                XCTAssertThrowsError(try parse(), "\(Array(text.utf8))") { error in
                    guard case let .syntax(file, l, c, message)? = error as? ConfigError else {
                        return XCTFail("expected a syntax error, got \(error)")
                    }
                    XCTAssertEqual(file, "c.toml")
                    XCTAssertEqual(l, line, "\(Array(text.utf8))")
                    XCTAssertEqual(c, column, "\(Array(text.utf8))")
                    XCTAssertTrue(message.contains("header must start with a key"), message)
                }
            }
        }
    }

    /// `[` that is not a table header (in strings, comments, arrays) must not be mistaken for one.
    func testBracketsOutsideHeadersStillParse() throws {
        let tag = try FolderSettings.parseTag("# [= not a header\nprompt = \"\"\"\n[= inside a multi-line string \"\"\"\"\"\nmax_tokens = 9\n",
                                              file: "t.toml")
        XCTAssertEqual(tag.prompt, "[= inside a multi-line string \"\"")
        XCTAssertEqual(tag.maxTokens, 9)
        let literal = try FolderSettings.parseTag("prompt = '''\n[#'''''\n", file: "t.toml")
        XCTAssertEqual(literal.prompt, "[#''")
        // A multi-line array with a nested array at the start of a line is a value, not a header.
        XCTAssertThrowsError(try ScrawlConfig.parse("state_dir = [\n[1], \"[=\",\n]\n", file: "c.toml")) { error in
            guard case .wrongType? = error as? ConfigError else { return XCTFail("expected wrongType, got \(error)") }
        }
        let config = try ScrawlConfig.parse("[ \"daemon\" ]\nlog_level = \"debug\"\n[[inbox]]\npath = \"/a\"\n", file: "c.toml")
        XCTAssertEqual(config.daemon.logLevel, "debug")
        XCTAssertEqual(config.inboxes.map(\.path), ["/a"])
    }

    /// FuzzConfig: `x =1979-05-27T.07:32:00` failed toml++'s parse_time assert (`is_decimal_digit`) and
    /// aborted the process. Bare values that are not one of TOML's forms are now syntax errors.
    func testMalformedBareValuesAreSyntaxErrors() {
        let cases: [(String, Int, Int)] = [
            ("promensx =1979-05-27T.07:32:00 = -x=-", 1, 11), ("a = 1979-05-27T", 1, 5), ("a = 07:32:", 1, 5),
            ("a = 1979-05-27 07:3", 1, 5), ("a = [1,\n  0x_1]", 2, 3), ("a = {b = 1e}", 1, 10), ("a = +", 1, 5),
            ("a = tru", 1, 5), ("a = 1__0", 1, 5), ("a = 00", 1, 5), ("a = .5", 1, 5), ("a = 5.", 1, 5),
        ]
        for (text, line, column) in cases {
            XCTAssertThrowsError(try TOMLSection.parse(text, file: "c.toml"), "\(text)") { error in
                guard case let .syntax(_, l, c, message)? = error as? ConfigError else {
                    return XCTFail("expected a syntax error, got \(error)")
                }
                XCTAssertEqual(l, line, text)
                XCTAssertEqual(c, column, text)
                XCTAssertTrue(message.contains("is not a TOML value"), message)
            }
        }
    }

    /// Every TOML 1.0 value form still reaches TOMLKit and parses.
    func testValidValueFormsStillParse() throws {
        let text = """
            a = [ 1, -2, +3, 1_000, 0xDEAD_beef, 0o17, 0b1010, 0,
                  3.14, -0.01, 5e+22, 1e06, -2E-2, 6.626e-34, 224_617.445_991, inf, -nan, +inf,
                  true, false, "s", 's', \"\"\"m\"\"\", '''l''', [ ], [1,], {x = 1}, # comment
                ]
            odt1 = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27T00:32:00.999999-07:00
            odt3 = 1979-05-27 07:32:00+01:00
            ldt = 1979-05-27t07:32:00
            ld = 1979-05-27
            lt = 00:32:00.5
            t = {k = 1979-05-27 07:32:00, s = "x"}#c
            [tbl . "sub"]
            n=1
            [[arr]]
            """
        let section = try TOMLSection.parse(text, file: "c.toml")
        XCTAssertEqual(section.table["a"]?.array?.count, 27)
        XCTAssertNotNil(section.table["odt3"])
        XCTAssertNotNil(section.table["tbl"]?.table?["sub"]?.table?["n"])
    }
}
