import Foundation
import XCTest
@testable import Inference

/// Tests/Fixtures/real-layout: tiny checkpoints with exactly the file lists of the real hub repositories
/// (made by scripts/reference/make_real_layout_fixtures.py), and transformers' goldens for them.
enum RealLayoutFixtures {
    /// Tests/Fixtures (golden paths for images and checkpoints are relative to it).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures").standardized
    static let root = fixtures.appendingPathComponent("real-layout")
    static let qwen = root.appendingPathComponent("qwen2-vl-ocr-2b-instruct")
    static let aya = root.appendingPathComponent("aya-vision-8b")

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("golden/\(name)"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], name)
    }

    static func caseNames(_ family: String) throws -> [String] {
        try XCTUnwrap(try json("index.json")[family] as? [String], family)
    }

    static func floats(_ name: String) throws -> [Float] {
        try Qwen2VLFixtures.floats(root.appendingPathComponent("golden/\(name)"))
    }

    /// A Qwen golden in the schema of Tests/Fixtures/qwen2vl (pixels/logits empty where not stored).
    static func qwenGolden(_ name: String) throws -> Qwen2VLFixtures.Golden {
        let o = try json("\(name).json")
        func ints(_ key: String) throws -> [Int] { try XCTUnwrap(o[key] as? [Int], key) }
        let steps = try XCTUnwrap(o["steps"] as? [[String: Any]]).map { s in
            Qwen2VLFixtures.Step(top5IDs: s["top5_ids"] as? [Int] ?? [],
                                 top5Logprobs: (s["top5_logprobs"] as? [Double] ?? []).map(Float.init),
                                 chosenID: s["chosen_id"] as? Int ?? -1,
                                 chosenLogprob: Float(s["chosen_logprob"] as? Double ?? .nan))
        }
        return Qwen2VLFixtures.Golden(
            name: name,
            image: fixtures.appendingPathComponent(try XCTUnwrap(o["image"] as? String)),
            checkpoint: fixtures.appendingPathComponent(try XCTUnwrap(o["checkpoint"] as? String)),
            prompt: try XCTUnwrap(o["prompt"] as? String),
            maxPixels: try XCTUnwrap(o["max_pixels"] as? Int),
            grid: try ints("image_grid_thw"),
            pixelShape: try ints("pixel_values_shape"),
            promptIDs: try ints("prompt_ids"),
            ropeDelta: try XCTUnwrap(o["rope_delta"] as? Int),
            generatedIDs: try ints("generated_ids"),
            steps: steps,
            pixels: try (o["pixels_file"] as? String).map(floats) ?? [],
            logits: try (o["logits_file"] as? String).map(floats) ?? [],
            weightsDType: o["weights_dtype"] as? String ?? "float32")
    }
}
