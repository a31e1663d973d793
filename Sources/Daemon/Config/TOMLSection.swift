import TOMLKit

/// One table of a parsed TOML file, read key by key with errors that name the file, line and key.
struct TOMLSection {
    let table: TOMLTable
    let file: String
    let locator: TOMLKeyLocator
    let place: TOMLKeyLocator.Table

    /// Parses `text`; a syntax error carries TOMLKit's line and column.
    static func parse(_ text: String, file: String) throws -> TOMLSection {
        try TOMLPreflight.check(text, file: file)
        do {
            let table = try TOMLTable(string: text)
            return TOMLSection(table: table, file: file, locator: TOMLKeyLocator(text: text),
                               place: .init(name: "", index: nil))
        } catch let error as TOMLParseError {
            throw ConfigError.syntax(file: file, line: error.source.begin.line, column: error.source.begin.column,
                                     message: error.description)
        }
    }

    /// `inbox[2].prompt` style name for messages (1-based array index, as a person counts).
    func keyName(_ key: String) -> String {
        switch (place.name, place.index) {
        case ("", _): return key
        case (let name, nil): return "\(name).\(key)"
        case (let name, let index?): return "\(name)[\(index + 1)].\(key)"
        }
    }

    func line(of key: String?) -> Int? { locator.line(of: key, in: place) }

    /// Every key of this table must be one of `known`.
    func rejectUnknownKeys(_ known: [String]) throws {
        for key in table.keys.sorted() where !known.contains(key) {
            throw ConfigError.unknownKey(file: file, line: line(of: key), key: keyName(key), known: known)
        }
    }

    func string(_ key: String) throws -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else { throw wrongType(key, "a string in quotes") }
        return string
    }

    func nonEmptyString(_ key: String) throws -> String? {
        guard let string = try string(key) else { return nil }
        guard !string.isEmpty else { throw invalid(key, "must not be empty") }
        return string
    }

    func absolutePath(_ key: String) throws -> String? {
        guard let path = try nonEmptyString(key) else { return nil }
        guard path.hasPrefix("/") else { throw invalid(key, "'\(path)' is not an absolute path (start it with /)") }
        return path
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else { throw wrongType(key, "true or false") }
        return bool
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = table[key] else { return nil }
        guard let int = value.int else { throw wrongType(key, "a whole number") }
        guard range.contains(int) else {
            throw invalid(key, "\(int) is out of range (\(range.lowerBound)…\(range.upperBound))")
        }
        return int
    }

    func oneOf(_ key: String, _ allowed: [String]) throws -> String? {
        guard let string = try string(key) else { return nil }
        guard allowed.contains(string) else {
            throw invalid(key, "'\(string)' is not one of \(allowed.joined(separator: ", "))")
        }
        return string
    }

    /// A sub-table (`[daemon]`), or nil when absent.
    func section(_ key: String) throws -> TOMLSection? {
        guard let value = table[key] else { return nil }
        guard let sub = value.table else { throw wrongType(key, "a table ([\(key)])") }
        return TOMLSection(table: sub, file: file, locator: locator, place: .init(name: key, index: nil))
    }

    /// A sub-table when `key` holds one, nil when `key` is absent or holds something else
    /// (`[models]` takes both `name = "/path"` and `[models.name]`).
    func optionalSection(_ key: String) throws -> TOMLSection? {
        guard let sub = table[key]?.table else { return nil }
        let name = place.name.isEmpty ? key : place.name + "." + key
        return TOMLSection(table: sub, file: file, locator: locator, place: .init(name: name, index: nil))
    }

    /// An array of tables (`[[inbox]]`); empty when absent.
    func sections(_ key: String) throws -> [TOMLSection] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw wrongType(key, "an array of tables ([[\(key)]])") }
        return try array.enumerated().map { index, element in
            guard let sub = element.table else {
                throw ConfigError.wrongType(file: file, line: line(of: key), key: "\(key)[\(index + 1)]",
                                            expected: "a table ([[\(key)]])")
            }
            return TOMLSection(table: sub, file: file, locator: locator, place: .init(name: key, index: index))
        }
    }

    func invalid(_ key: String, _ reason: String) -> ConfigError {
        .invalidValue(file: file, line: line(of: key), key: keyName(key), reason: reason)
    }

    private func wrongType(_ key: String, _ expected: String) -> ConfigError {
        .wrongType(file: file, line: line(of: key), key: keyName(key), expected: expected)
    }
}
