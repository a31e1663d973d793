import Foundation

/// A JSON object read from one tokenizer file, with typed accessors whose errors name the file and key.
struct JSONObject {
    let file: String
    /// Dotted path of this object inside the file ("" for the root), for error messages.
    let path: String
    /// Members in file order. Lookups are linear: tokenizer objects are small except the vocabulary,
    /// which is only ever iterated.
    let members: [(key: String, value: JSONValue)]

    /// The value of `key` (the last one if repeated), nil when absent.
    func field(_ key: String) -> JSONValue? { members.last { $0.key == key }?.value }

    /// Parses a JSON file; a leading UTF-8 byte-order mark is skipped (CRLF is JSON whitespace anyway).
    static func load(_ url: URL) throws -> JSONObject {
        let bytes = try TextFile.bytes(url)
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw TokenizerError.malformedJSON(file: url.path, key: "(root)", reason: "not valid JSON: \(error)")
        }
        guard let dict = value.membersValue else {
            throw TokenizerError.malformedJSON(file: url.path, key: "(root)", reason: "expected a JSON object")
        }
        return JSONObject(file: url.path, path: "", members: dict)
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func malformed(_ key: String, _ reason: String) -> TokenizerError {
        .malformedJSON(file: file, key: keyPath(key), reason: reason)
    }

    /// True when the key is absent or JSON null.
    func isNull(_ key: String) -> Bool { field(key)?.isNull ?? true }

    func string(_ key: String) throws -> String {
        guard let value = field(key) else { throw malformed(key, "missing") }
        guard let s = value.stringValue else { throw malformed(key, "expected a string") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        if isNull(key) { return nil }
        return try string(key)
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        if isNull(key) { return fallback }
        guard let b = field(key)?.boolValue else { throw malformed(key, "expected true or false") }
        return b
    }

    func int(_ key: String) throws -> Int {
        guard let value = field(key) else { throw malformed(key, "missing") }
        guard let n = value.intValue else { throw malformed(key, "expected an integer") }
        return n
    }

    func object(_ key: String) throws -> JSONObject {
        guard let value = field(key) else { throw malformed(key, "missing") }
        guard let d = value.membersValue else { throw malformed(key, "expected an object") }
        return JSONObject(file: file, path: keyPath(key), members: d)
    }

    func optionalObject(_ key: String) throws -> JSONObject? {
        if isNull(key) { return nil }
        return try object(key)
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard let value = field(key) else { throw malformed(key, "missing") }
        guard let a = value.arrayValue else { throw malformed(key, "expected an array") }
        return a
    }

    /// The elements of an array of objects, each with its own path ("key[3]").
    func objects(_ key: String) throws -> [JSONObject] {
        try array(key).enumerated().map { index, element in
            guard let d = element.membersValue else { throw malformed("\(key)[\(index)]", "expected an object") }
            return JSONObject(file: file, path: keyPath("\(key)[\(index)]"), members: d)
        }
    }
}
