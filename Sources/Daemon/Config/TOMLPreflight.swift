/// Refuses, before TOMLKit sees the text, the invalid TOML that makes TOMLKit's toml++ (3.4.0) abort the
/// whole process instead of reporting an error. Found by fuzzing (Tests/Fuzz, FuzzConfig); a folder tag
/// is written by whoever can write to an inbox folder, so any of these would stop the daemon.
/// toml++ is compiled without NDEBUG (SwiftPM does not define it, release builds included), so its
/// `TOML_ASSERT_ASSUME` checks call `assert`, and several are reachable from malformed input:
/// - a raw control character where a key should start (`[\u{1}`). TOML allows no raw control
///   character but tab, and newlines only as LF or CRLF, so all others are refused, wherever they are;
/// - a table header whose first character after `[` / `[[` and blanks cannot start a key (`[=`, `[[#`):
///   `parse_table_header` calls `parse_key` without checking it;
/// - a bare value that is almost a number or date (`1979-05-27T.07:32:00`): the number/date parsers
///   assert on what their dispatcher assumed. Every bare value (not a string, array or inline table) must
///   be one of TOML 1.0's forms: true/false, integer, float, inf/nan, offset/local date-time, date, time.
/// Everything else is left to TOMLKit, whose own errors carry the line and column.
enum TOMLPreflight {
    private enum Mode { case normal, comment, basic, literal, multiLineBasic, multiLineLiteral }

    /// Throws `ConfigError.syntax` (with line and column) at the first such problem.
    static func check(_ text: String, file: String) throws {
        let s = Array(text.unicodeScalars)
        var mode = Mode.normal
        var line = 1, column = 1
        var atLineStart = true    // only blanks so far on this line, outside any string
        var inHeader = false      // inside a [table] header line: its brackets are not arrays
        var containers: [Unicode.Scalar] = []  // open "[" arrays / "{" inline tables of a value
        var expectValue = false   // after "=", or after "[" / "," in an array
        var i = s.first == "\u{FEFF}" ? 1 : 0  // toml++ skips a leading byte-order mark

        func fail(_ message: String) -> ConfigError {
            .syntax(file: file, line: line, column: column, message: message)
        }
        func run(of quote: Unicode.Scalar, at index: Int) -> Int {
            var n = 0
            while index + n < s.count, s[index + n] == quote { n += 1 }
            return n
        }

        while i < s.count {
            let c = s[i]
            if c == "\n" {
                line += 1; column = 1; i += 1
                if mode == .comment || mode == .basic || mode == .literal { mode = .normal }
                atLineStart = mode == .normal
                inHeader = false
                if containers.last != "[" { expectValue = false }
                continue
            }
            if isControl(c) && !(c == "\r" && i + 1 < s.count && s[i + 1] == "\n") {
                throw fail(c == "\r" ? "a carriage return not followed by a line feed is not allowed"
                    : "the control character U+\(hex4(c.value)) is not allowed (write it as an escape in a \"string\")")
            }
            var advance = 1
            switch mode {
            case .normal:
                if c == " " || c == "\t" || c == "\r" { break }
                if atLineStart && containers.isEmpty && c == "[" {
                    var j = i + 1
                    if j < s.count && s[j] == "[" { j += 1 }
                    while j < s.count && (s[j] == " " || s[j] == "\t") { j += 1 }
                    // (a control character there is reported as such when the loop reaches it)
                    guard j < s.count, startsKeyOrCloses(s[j]) || (isControl(s[j]) && !isNewline(s[j])) else {
                        column += j - i
                        throw fail("a [table] header must start with a key: a letter, digit, _, - or a quote")
                    }
                    inHeader = true
                }
                atLineStart = false
                if expectValue && !"\"'[{]#".unicodeScalars.contains(c) {
                    let end = bareValueEnd(s, from: i)
                    let token = String(String.UnicodeScalarView(s[i..<end]))
                    guard isBareValue(token) else {
                        throw fail("'\(token)' is not a TOML value (a \"string\", number, true/false, date or time)")
                    }
                    expectValue = false
                    advance = end - i
                    break
                }
                switch c {
                case "#": mode = .comment
                case "\"":
                    if run(of: "\"", at: i) >= 3 { mode = .multiLineBasic; advance = 3 } else { mode = .basic }
                    expectValue = false
                case "'":
                    if run(of: "'", at: i) >= 3 { mode = .multiLineLiteral; advance = 3 } else { mode = .literal }
                    expectValue = false
                case "[", "{":
                    if !inHeader { containers.append(c); expectValue = c == "[" }
                case "]", "}":
                    if !inHeader { _ = containers.popLast() }
                    expectValue = false
                case "=":
                    if !inHeader { expectValue = true }
                case ",":
                    expectValue = containers.last == "["
                default:
                    break
                }
            case .comment:
                break
            case .basic:
                if c == "\\" && i + 1 < s.count && !isNewline(s[i + 1]) { advance = 2 } else if c == "\"" { mode = .normal }
            case .literal:
                if c == "'" { mode = .normal }
            case .multiLineBasic:
                if c == "\\" && i + 1 < s.count && !isNewline(s[i + 1]) {
                    advance = 2
                } else if c == "\"", case let n = run(of: "\"", at: i), n >= 3 {
                    mode = .normal; advance = min(n, 5)  // up to two quotes before the closing three
                }
            case .multiLineLiteral:
                if c == "'", case let n = run(of: "'", at: i), n >= 3 { mode = .normal; advance = min(n, 5) }
            }
            // An escaped character is skipped in one step: refuse a raw control character there too.
            if advance == 2, mode != .normal, isControl(s[i + 1]) {
                column += 1
                throw fail("the control character U+\(hex4(s[i + 1].value)) is not allowed (write it as an escape in a \"string\")")
            }
            i += advance
            column += advance
        }
    }

    /// End of a bare value starting at `start`: up to whitespace, `,`, `]`, `}`, `#` or a control
    /// character, except that a date followed by one space and a digit continues as a date-time.
    private static func bareValueEnd(_ s: [Unicode.Scalar], from start: Int) -> Int {
        func end(from k: Int) -> Int {
            var j = k
            while j < s.count, !" \t,]}#".unicodeScalars.contains(s[j]), !isControl(s[j]) { j += 1 }
            return j
        }
        let j = end(from: start)
        if j - start == 10, j + 1 < s.count, s[j] == " ", ("0"..."9").contains(s[j + 1]),
           isBareValue(String(String.UnicodeScalarView(s[start..<j]))) {
            return end(from: j + 1)
        }
        return j
    }

    private static let dec = "(?:0|[1-9](?:_?[0-9])*)"
    private static let digits = "[0-9](?:_?[0-9])*"
    private static let time = "[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?"
    private static let date = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
    private static let bareValuePatterns = [
        "true|false",
        "[+-]?(?:inf|nan)",
        "[+-]?\(dec)",
        "0x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*",
        "[+-]?\(dec)(?:\\.\(digits)(?:[eE][+-]?\(digits))?|[eE][+-]?\(digits))",
        "\(date)(?:[Tt ]\(time)(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?)?",
        time,
    ]

    /// Whether a bare token is one of TOML 1.0's bare value forms (a config holds a handful of them).
    private static func isBareValue(_ token: String) -> Bool {
        bareValuePatterns.contains { pattern in (try? Regex(pattern)).map { token.wholeMatch(of: $0) != nil } ?? false }
    }

    private static func startsKeyOrCloses(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", "\"", "'", "]": return true
        default: return false
        }
    }

    /// U+0000…U+001F but tab, and U+007F.
    private static func isControl(_ c: Unicode.Scalar) -> Bool {
        (c.value < 0x20 && c != "\t") || c.value == 0x7F
    }

    private static func isNewline(_ c: Unicode.Scalar) -> Bool { c == "\n" || c == "\r" }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
