import Foundation

/// A JSON object read from one tokenizer file, with typed accessors whose errors name the file and key.
struct JSONObject {
    let file: String
    /// Dotted path of this object inside the file ("" for the root), for error messages.
    let path: String
    let fields: [String: Any]

    static func load(_ url: URL) throws -> JSONObject {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TokenizerError.malformedJSON(file: url.path, key: "(root)", reason: "not valid JSON: \(error.localizedDescription)")
        }
        guard let dict = value as? [String: Any] else {
            throw TokenizerError.malformedJSON(file: url.path, key: "(root)", reason: "expected a JSON object")
        }
        return JSONObject(file: url.path, path: "", fields: dict)
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func malformed(_ key: String, _ reason: String) -> TokenizerError {
        .malformedJSON(file: file, key: keyPath(key), reason: reason)
    }

    /// True when the key is absent or JSON null.
    func isNull(_ key: String) -> Bool { fields[key] == nil || fields[key] is NSNull }

    func string(_ key: String) throws -> String {
        guard let value = fields[key] else { throw malformed(key, "missing") }
        guard let s = value as? String else { throw malformed(key, "expected a string") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        if isNull(key) { return nil }
        return try string(key)
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        if isNull(key) { return fallback }
        guard let b = fields[key] as? Bool else { throw malformed(key, "expected true or false") }
        return b
    }

    func int(_ key: String) throws -> Int {
        guard let value = fields[key] else { throw malformed(key, "missing") }
        guard let n = value as? NSNumber else { throw malformed(key, "expected an integer") }
        let d = n.doubleValue
        guard d == d.rounded(), abs(d) < 1e15 else { throw malformed(key, "expected an integer, found \(d)") }
        return n.intValue
    }

    func object(_ key: String) throws -> JSONObject {
        guard let value = fields[key] else { throw malformed(key, "missing") }
        guard let d = value as? [String: Any] else { throw malformed(key, "expected an object") }
        return JSONObject(file: file, path: keyPath(key), fields: d)
    }

    func optionalObject(_ key: String) throws -> JSONObject? {
        if isNull(key) { return nil }
        return try object(key)
    }

    func array(_ key: String) throws -> [Any] {
        guard let value = fields[key] else { throw malformed(key, "missing") }
        guard let a = value as? [Any] else { throw malformed(key, "expected an array") }
        return a
    }

    /// The elements of an array of objects, each with its own path ("key[3]").
    func objects(_ key: String) throws -> [JSONObject] {
        try array(key).enumerated().map { index, element in
            guard let d = element as? [String: Any] else { throw malformed("\(key)[\(index)]", "expected an object") }
            return JSONObject(file: file, path: keyPath("\(key)[\(index)]"), fields: d)
        }
    }
}
