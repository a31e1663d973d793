import Foundation
import XCTest
@testable import Inference

/// Locates Tests/Fixtures/qwen2vl (SCRAWL_QWEN2VL_FIXTURES overrides, for regenerated fixtures) and
/// reads its goldens.
enum Qwen2VLFixtures {
    static var root: URL {
        if let override = ProcessInfo.processInfo.environment["SCRAWL_QWEN2VL_FIXTURES"] {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/qwen2vl").standardized
    }

    static var available: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("golden/index.json").path) }

    struct Step {
        let top5IDs: [Int]
        let top5Logprobs: [Float]
        let chosenID: Int
        let chosenLogprob: Float
    }

    struct Golden {
        let name: String
        let image: URL
        let checkpoint: URL
        let prompt: String
        let maxPixels: Int
        let grid: [Int]
        let pixelShape: [Int]
        let promptIDs: [Int]
        let ropeDelta: Int
        let generatedIDs: [Int]
        let steps: [Step]
        let pixels: [Float]
        let logits: [Float]
        let weightsDType: String
    }

    static func caseNames() throws -> [String] {
        let data = try Data(contentsOf: root.appendingPathComponent("golden/index.json"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(object["cases"] as? [String])
    }

    static func floats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static func golden(_ name: String) throws -> Golden {
        try golden(name, goldenDirectory: root.appendingPathComponent("golden"), pathsRelativeTo: root)
    }

    /// A golden of this schema anywhere: `<name>.json` in `goldenDirectory`, its image and checkpoint
    /// paths relative to `base`; pixels/logits empty where the golden stores no raw file.
    static func golden(_ name: String, goldenDirectory dir: URL, pathsRelativeTo base: URL) throws -> Golden {
        let data = try Data(contentsOf: dir.appendingPathComponent(name + ".json"))
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func ints(_ key: String) throws -> [Int] { try XCTUnwrap(o[key] as? [Int], key) }
        func raw(_ key: String) throws -> [Float] { try (o[key] as? String).map { try floats(dir.appendingPathComponent($0)) } ?? [] }
        let steps = try XCTUnwrap(o["steps"] as? [[String: Any]]).map { s in
            Step(top5IDs: s["top5_ids"] as? [Int] ?? [],
                 top5Logprobs: (s["top5_logprobs"] as? [Double] ?? []).map(Float.init),
                 chosenID: s["chosen_id"] as? Int ?? -1,
                 chosenLogprob: Float(s["chosen_logprob"] as? Double ?? .nan))
        }
        return Golden(
            name: name,
            image: base.appendingPathComponent(try XCTUnwrap(o["image"] as? String)),
            checkpoint: base.appendingPathComponent(try XCTUnwrap(o["checkpoint"] as? String)),
            prompt: try XCTUnwrap(o["prompt"] as? String),
            maxPixels: try XCTUnwrap(o["max_pixels"] as? Int),
            grid: try ints("image_grid_thw"),
            pixelShape: try ints("pixel_values_shape"),
            promptIDs: try ints("prompt_ids"),
            ropeDelta: try XCTUnwrap(o["rope_delta"] as? Int),
            generatedIDs: try ints("generated_ids"),
            steps: steps,
            pixels: try raw("pixels_file"),
            logits: try raw("logits_file"),
            weightsDType: o["weights_dtype"] as? String ?? "float32")
    }
}
