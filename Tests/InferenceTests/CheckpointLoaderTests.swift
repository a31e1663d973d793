import Foundation
import XCTest
@testable import Inference

/// Loader failures must name the file/key/tensor at fault.
final class CheckpointLoaderTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Writes a safetensors file from (name, dtype, shape, bytes) entries.
    private func writeSafetensors(_ url: URL, _ tensors: [(String, String, [Int], [UInt8])]) throws {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var data: [UInt8] = []
        for (name, dtype, shape, bytes) in tensors {
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [data.count, data.count + bytes.count]]
            data += bytes
        }
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var file = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        file += json
        file += data
        try Data(file).write(to: url)
    }

    /// A copy of the tiny f32 checkpoint whose safetensors header is edited by `edit`.
    private func editedTinyCheckpoint(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let source = Qwen2VLFixtures.root.appendingPathComponent("tiny-f32")
        let target = scratch.appendingPathComponent("tiny")
        try FileManager.default.copyItem(at: source, to: target)
        let weights = target.appendingPathComponent("model.safetensors")
        var bytes = [UInt8](try Data(contentsOf: weights))
        let n = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        var header = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        edit(&header)
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count < n { json.append(0x20) }  // keep the data offset: pad with spaces
        XCTAssertEqual(json.count, n, "edited header must not grow")
        bytes.replaceSubrange(8..<(8 + n), with: json)
        try Data(bytes).write(to: weights)
        return target
    }

    private func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testMissingConfigNamesTheFile() throws {
        let text = message { _ = try CheckpointDirectory(url: scratch, normalizeName: { $0 }) }
        XCTAssertTrue(text.contains("config.json") && text.contains("not found"), text)
    }

    func testMissingDirectoryIsAnError() {
        let text = message { _ = try Qwen2VLEngine(checkpoint: scratch.appendingPathComponent("nope")) }
        XCTAssertTrue(text.contains("nope"), text)
    }

    func testMalformedConfigJSON() throws {
        try Data("{ not json".utf8).write(to: scratch.appendingPathComponent("config.json"))
        let text = message { _ = try CheckpointDirectory(url: scratch, normalizeName: { $0 }) }
        XCTAssertTrue(text.contains("config.json") && text.contains("not valid JSON"), text)
    }

    func testTruncatedSafetensorsNamesTheTensor() throws {
        let url = scratch.appendingPathComponent("model.safetensors")
        try writeSafetensors(url, [("a.weight", "F32", [2, 2], [UInt8](repeating: 1, count: 16)),
                                   ("b.weight", "BF16", [4], [UInt8](repeating: 2, count: 8))])
        let full = try Data(contentsOf: url)
        try full.prefix(full.count - 3).write(to: url)
        let text = message { _ = try SafetensorsFile(path: url.path) }
        XCTAssertTrue(text.contains("b.weight") && text.contains("model.safetensors") && text.contains("truncated"), text)
    }

    func testHeaderLongerThanFile() throws {
        let url = scratch.appendingPathComponent("model.safetensors")
        var bytes = withUnsafeBytes(of: UInt64(1000).littleEndian) { Array($0) }
        bytes += Array("{}".utf8)
        try Data(bytes).write(to: url)
        let text = message { _ = try SafetensorsFile(path: url.path) }
        XCTAssertTrue(text.contains("header length 1000"), text)
    }

    func testByteCountMustMatchShapeAndDType() throws {
        let url = scratch.appendingPathComponent("model.safetensors")
        try writeSafetensors(url, [("w", "F32", [3], [UInt8](repeating: 0, count: 8))])
        let text = message { _ = try SafetensorsFile(path: url.path) }
        XCTAssertTrue(text.contains("tensor w") && text.contains("needs 12"), text)
    }

    func testUnsupportedDTypeIsNamedWhenUsed() throws {
        let url = scratch.appendingPathComponent("model.safetensors")
        try writeSafetensors(url, [("w", "I32", [1, 2], [UInt8](repeating: 0, count: 8))])
        try Data(#"{"hidden_size": 2}"#.utf8).write(to: scratch.appendingPathComponent("config.json"))
        let ck = try CheckpointDirectory(url: scratch, normalizeName: { $0 })
        let text = message { _ = try ck.matrix("w", rows: 1, cols: 2) }
        XCTAssertTrue(text.contains("w") && text.contains("I32"), text)
    }

    func testMissingTensorIsNamed() throws {
        let dir = try editedTinyCheckpoint { $0.removeValue(forKey: "model.norm.weight") }
        let text = message { _ = try Qwen2VLEngine(checkpoint: dir) }
        XCTAssertTrue(text.contains("no tensor model.norm.weight"), text)
    }

    func testWrongShapeIsNamed() throws {
        let name = "model.layers.0.self_attn.q_proj.weight"
        var original: [Int] = []
        let dir = try editedTinyCheckpoint { header in
            guard var entry = header[name] as? [String: Any], let shape = entry["shape"] as? [Int] else { return }
            original = shape
            entry["shape"] = [shape[0] / 2, shape[1] * 2]  // same byte count, wrong shape
            header[name] = entry
        }
        XCTAssertEqual(original.count, 2)
        let text = message { _ = try Qwen2VLEngine(checkpoint: dir) }
        XCTAssertTrue(text.contains(name) && text.contains("expected \(original)"), text)
    }

    func testMissingConfigKeyIsNamed() throws {
        try Data(#"{"num_attention_heads": 2}"#.utf8).write(to: scratch.appendingPathComponent("config.json"))
        let json = try XCTUnwrap(try JSONObject.load(scratch.appendingPathComponent("config.json")))
        let text = message { _ = try Qwen2VLConfig(json: json) }
        XCTAssertTrue(text.contains("hidden_size") && text.contains("config.json"), text)
    }
}
