/// Finds the line a key sits on in a TOML file's text. TOMLKit reports lines only for syntax
/// errors, so errors about a key's value (unknown, wrong type, out of range) find it here.
struct TOMLKeyLocator {
    /// A table: `""` for the top level, `"inbox"` with an index for the n-th `[[inbox]]`.
    struct Table: Hashable {
        var name: String
        var index: Int?
    }

    private struct Entry: Hashable {
        var table: Table
        var key: String
    }

    private var keyLines: [Entry: Int] = [:]
    private var headerLines: [Table: Int] = [:]

    init(text: String) {
        var current = Table(name: "", index: nil)
        var arrayCounts: [String: Int] = [:]
        var multiline: String?
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let line = String(rawLine)
            if let delimiter = multiline {
                if line.contains(delimiter) { multiline = nil }
                continue
            }
            let trimmed = Self.stripComment(line).trimmingWhitespace()
            if trimmed.hasPrefix("[[") && trimmed.hasSuffix("]]") {
                let name = Self.unquote(String(trimmed.dropFirst(2).dropLast(2)).trimmingWhitespace())
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                current = Table(name: name, index: index)
                headerLines[current] = headerLines[current] ?? lineNumber
            } else if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
                let name = Self.unquote(String(trimmed.dropFirst().dropLast()).trimmingWhitespace())
                current = Table(name: name, index: nil)
                headerLines[current] = headerLines[current] ?? lineNumber
            } else if let equals = trimmed.firstIndex(of: "=") {
                let key = Self.unquote(String(trimmed[..<equals]).trimmingWhitespace())
                let entry = Entry(table: current, key: key)
                keyLines[entry] = keyLines[entry] ?? lineNumber
                let value = trimmed[trimmed.index(after: equals)...]
                for delimiter in ["\"\"\"", "'''"] where value.components(separatedBy: delimiter).count == 2 {
                    multiline = delimiter
                }
            }
        }
    }

    /// The line of `key` inside `table`, or of the table's header when `key` is nil.
    func line(of key: String?, in table: Table) -> Int? {
        guard let key else { return headerLines[table] }
        return keyLines[Entry(table: table, key: key)] ?? headerLines[Table(name: key, index: nil)]
    }

    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        var result = ""
        for character in line {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                break
            }
            result.append(character)
        }
        return result
    }

    private static func unquote(_ key: String) -> String {
        if key.count >= 2, let first = key.first, first == key.last, first == "\"" || first == "'" {
            return String(key.dropFirst().dropLast())
        }
        return key
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
