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
        try Qwen2VLFixtures.golden(name, goldenDirectory: root.appendingPathComponent("golden"), pathsRelativeTo: fixtures)
    }
}
