/// TOML allows no raw control characters except tab, and newlines only as LF or CRLF (TOML 1.0:
/// strings must escape them, comments and the rest of the file may not contain them). They are refused
/// here, before TOMLKit sees the text: its toml++ is compiled with assertions on, and a control character
/// where a key should start (`[\u{1}`) fails an `assert` and aborts the whole process (found by fuzzing;
/// a folder tag is written by whoever can write to an inbox folder).
enum TOMLControlCharacters {
    /// Throws `ConfigError.syntax` at the first control character that TOML does not allow.
    static func check(_ text: String, file: String) throws {
        var line = 1
        var column = 1
        var scalars = text.unicodeScalars.makeIterator()
        var next = scalars.next()
        while let scalar = next {
            next = scalars.next()
            switch scalar.value {
            case 0x0A:
                line += 1
                column = 1
                continue
            case 0x0D where next?.value == 0x0A, 0x09:
                break
            case 0x00...0x1F, 0x7F:
                let name = scalar.value == 0x0D ? "a carriage return not followed by a line feed"
                    : "the control character U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4))"
                throw ConfigError.syntax(file: file, line: line, column: column,
                                         message: "\(name) is not allowed (write it as an escape in a \"string\")")
            default:
                break
            }
            column += 1
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
