import Foundation
import Kernels

/// A checkpoint directory: config.json, optional generation/preprocessor configs, and weights as a
/// single `model.safetensors`, an index with shards (`model.safetensors.index.json`), or loose
/// `*.safetensors` files. Tensors stay memory-mapped; names go through the model's normaliser so
/// every saved spelling resolves to one canonical name.
public final class CheckpointDirectory: @unchecked Sendable {
    public let url: URL
    public let config: JSONObject
    /// SHA-256 (hex) of config.json's bytes.
    public let configHash: String
    public let generationConfig: JSONObject?
    public let preprocessorConfig: JSONObject?
    private var files: [SafetensorsFile] = []
    private var index: [String: (file: SafetensorsFile, info: TensorInfo)] = [:]
    /// Tensors stored under a name the model's normaliser rewrote (another transformers release's layout).
    public private(set) var renamedTensors = 0
    /// Tensor count by stored dtype ("F16": 729).
    public private(set) var dtypeCounts: [String: Int] = [:]
    /// The weight files, in load order.
    public var weightFileNames: [String] { files.map { URL(fileURLWithPath: $0.path).lastPathComponent } }

    public init(url: URL, normalizeName: (String) -> String) throws {
        self.url = url
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
            throw CheckpointError.missingFile(path: url.path)
        }
        let configURL = url.appendingPathComponent("config.json")
        guard let config = try JSONObject.load(configURL) else { throw CheckpointError.missingFile(path: configURL.path) }
        self.config = config
        configHash = SHA256.hex(of: (try? Data(contentsOf: configURL)) ?? Data())
        generationConfig = try JSONObject.load(url.appendingPathComponent("generation_config.json"), optional: true)
        preprocessorConfig = try JSONObject.load(url.appendingPathComponent("preprocessor_config.json"), optional: true)

        for path in try Self.weightFiles(in: url) {
            let file = try SafetensorsFile(path: path)
            files.append(file)
            for (name, info) in file.tensors {
                let canonical = normalizeName(name)
                if canonical != name { renamedTensors += 1 }
                dtypeCounts[info.dtype, default: 0] += 1
                index[canonical] = (file, info)
            }
        }
    }

    /// The shard list: from the index file, else model.safetensors, else every *.safetensors.
    static func weightFiles(in url: URL) throws -> [String] {
        let indexURL = url.appendingPathComponent("model.safetensors.index.json")
        if let indexJSON = try JSONObject.load(indexURL, optional: true) {
            guard let map = indexJSON.values["weight_map"] as? [String: Any] else {
                throw CheckpointError.missingKey(path: indexURL.path, key: "weight_map")
            }
            let shards = Set(map.values.compactMap { $0 as? String }).sorted()
            guard !shards.isEmpty else {
                throw CheckpointError.invalidValue(path: indexURL.path, key: "weight_map", reason: "names no shard files")
            }
            return shards.map { url.appendingPathComponent($0).path }
        }
        let single = url.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: single.path) { return [single.path] }
        let loose = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            .filter { $0.hasSuffix(".safetensors") }.sorted()
        guard !loose.isEmpty else { throw CheckpointError.missingFile(path: single.path) }
        return loose.map { url.appendingPathComponent($0).path }
    }

    /// Starts reading every weight file into the page cache in the background (cold starts).
    public func prefetch() {
        for file in files { file.adviseWillNeed() }
    }

    public func has(_ name: String) -> Bool { index[name] != nil }

    public var tensorNames: [String] { Array(index.keys) }

    public func info(_ name: String) throws -> (file: SafetensorsFile, info: TensorInfo) {
        guard let entry = index[name] else { throw CheckpointError.missingTensor(name: name, directory: url.path) }
        return entry
    }

    private func element(_ entry: (file: SafetensorsFile, info: TensorInfo)) throws -> WeightElement {
        guard let element = WeightElement(rawValue: entry.info.dtype) else {
            throw CheckpointError.unsupportedDType(path: entry.file.path, tensor: entry.info.name, dtype: entry.info.dtype)
        }
        return element
    }

    /// A [rows, cols] weight (trailing dimensions flattened into cols), kept in place.
    public func matrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        let entry = try info(name)
        let shape = entry.info.shape
        guard shape.count >= 2, shape[0] == rows, shape.dropFirst().reduce(1, *) == cols else {
            throw CheckpointError.shapeMismatch(tensor: name, path: entry.file.path, expected: [rows, cols], actual: shape)
        }
        return WeightMatrix(rows: rows, cols: cols, element: try element(entry), base: entry.file.data(entry.info),
                            owner: entry.file)
    }

    /// When set, `languageMatrix` hands out Q8_0 copies from (or quantized into) this cache.
    public var int8Cache: Q8WeightCache?

    /// A language-model linear weight: as `matrix`, or its Q8_0 copy when `int8Cache` is set.
    public func languageMatrix(_ name: String, rows: Int, cols: Int) throws -> WeightMatrix {
        let stored = try matrix(name, rows: rows, cols: cols)
        guard let cache = int8Cache else { return stored }
        return try cache.matrix(name, source: stored)
    }

    /// A 1-D tensor of `count` values, converted to f32.
    public func vector(_ name: String, count: Int) throws -> [Float] {
        let entry = try info(name)
        guard entry.info.shape == [count] else {
            throw CheckpointError.shapeMismatch(tensor: name, path: entry.file.path, expected: [count], actual: entry.info.shape)
        }
        return WeightMatrix(rows: 1, cols: count, element: try element(entry), base: entry.file.data(entry.info)).row(0)
    }

    /// `vector` when present, else nil (optional biases).
    public func optionalVector(_ name: String, count: Int) throws -> [Float]? {
        has(name) ? try vector(name, count: count) : nil
    }
}
