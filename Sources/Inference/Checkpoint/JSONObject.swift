import Foundation

/// A parsed JSON object with typed getters whose errors name the file and key.
public struct JSONObject: @unchecked Sendable {
    public let path: String
    public let values: [String: Any]
    /// Key prefix for error messages of nested objects (e.g. "vision_config.").
    let keyPrefix: String

    public init(path: String, values: [String: Any], keyPrefix: String = "") {
        self.path = path
        self.values = values
        self.keyPrefix = keyPrefix
    }

    /// Reads and parses a JSON file; `nil` when it does not exist and `optional` is set.
    public static func load(_ url: URL, optional: Bool = false) throws -> JSONObject? {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            if optional { return nil }
            throw CheckpointError.missingFile(path: path)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        return try parse(data, path: path)
    }

    /// Parses JSON bytes; a leading UTF-8 byte-order mark (Windows editors) is skipped.
    public static func parse(_ data: Data, path: String) throws -> JSONObject {
        let body = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: Data(body)) } catch {
            throw CheckpointError.malformedJSON(path: path, reason: error.localizedDescription)
        }
        guard let dict = any as? [String: Any] else {
            throw CheckpointError.malformedJSON(path: path, reason: "the top level is not an object")
        }
        return JSONObject(path: path, values: dict)
    }

    public func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    public func object(_ key: String) -> JSONObject? {
        guard let dict = values[key] as? [String: Any] else { return nil }
        return JSONObject(path: path, values: dict, keyPrefix: keyPrefix + key + ".")
    }

    private func number(_ key: String) throws -> NSNumber? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let n = raw as? NSNumber else {
            throw CheckpointError.invalidValue(path: path, key: keyPrefix + key, reason: "must be a number, found \(raw)")
        }
        return n
    }

    public func int(_ key: String) throws -> Int? {
        guard let n = try number(key) else { return nil }
        let d = n.doubleValue
        guard d == d.rounded(), abs(d) < 1e15 else {
            throw CheckpointError.invalidValue(path: path, key: keyPrefix + key, reason: "must be an integer, found \(n)")
        }
        return Int(d)
    }

    /// An integer that must lie in `range` (config integers size buffers and loops: a checkpoint's
    /// typo must be an error naming the key, not an allocation of petabytes or a negative count).
    public func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = try int(key) else { return nil }
        try checkRange(value, key, range)
        return value
    }

    /// Integers (one or a list) that must each lie in `range`.
    public func ints(_ key: String, in range: ClosedRange<Int>) throws -> [Int]? {
        guard let values = try ints(key) else { return nil }
        for value in values { try checkRange(value, key, range) }
        return values
    }

    /// Throws `invalidValue` naming the file and `key` (with this object's prefix) when `value` is outside `range`.
    public func checkRange(_ value: Int, _ key: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw CheckpointError.invalidValue(path: path, key: keyPrefix + key,
                                               reason: "(\(value)) must be in \(range.lowerBound)...\(range.upperBound)")
        }
    }

    public func double(_ key: String) throws -> Double? { try number(key)?.doubleValue }

    public func bool(_ key: String) throws -> Bool? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let b = raw as? Bool else {
            throw CheckpointError.invalidValue(path: path, key: keyPrefix + key, reason: "must be true or false, found \(raw)")
        }
        return b
    }

    public func string(_ key: String) throws -> String? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let s = raw as? String else {
            throw CheckpointError.invalidValue(path: path, key: keyPrefix + key, reason: "must be a string, found \(raw)")
        }
        return s
    }

    /// An integer or a list of integers (e.g. eos_token_id).
    public func ints(_ key: String) throws -> [Int]? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        if let list = raw as? [Any] {
            return try list.map { item in
                guard let n = item as? NSNumber, n.doubleValue == n.doubleValue.rounded(), abs(n.doubleValue) < 1e15 else {
                    throw CheckpointError.invalidValue(path: path, key: keyPrefix + key, reason: "must hold integers, found \(item)")
                }
                return n.intValue
            }
        }
        guard let single = try int(key) else { return nil }
        return [single]
    }

    public func doubles(_ key: String) throws -> [Double]? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let list = raw as? [Any] else {
            throw CheckpointError.invalidValue(path: path, key: keyPrefix + key, reason: "must be a list of numbers")
        }
        return try list.map { item in
            guard let n = item as? NSNumber else {
                throw CheckpointError.invalidValue(path: path, key: keyPrefix + key, reason: "must hold numbers, found \(item)")
            }
            return n.doubleValue
        }
    }

    public func require<T>(_ value: T?, _ key: String) throws -> T {
        guard let value else { throw CheckpointError.missingKey(path: path, key: keyPrefix + key) }
        return value
    }
}
