import Foundation
import XCTest

/// The two checkpoints laid out exactly as the hub ships them (Tests/Fixtures/real-layout: the real
/// file lists, float16, CRLF text files, Aya's sparse config and preamble template), through the real
/// binary: `models verify` says what it found, `ocr` reads with the reference's prompt, `serve`
/// writes sidecars for an untagged folder (Qwen) and an aya-tagged one.
final class RealCheckpointTests: XCTestCase {
    static let qwen = ServeHarness.fixture("real-layout/qwen2-vl-ocr-2b-instruct")
    static let aya = ServeHarness.fixture("real-layout/aya-vision-8b")

    private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ServeHarness.run(arguments)
    }

    private func golden(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: ServeHarness.fixture("real-layout/golden/\(name).json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func testModelsVerifySaysWhatItFound() throws {
        let qwen = try run(["models", "verify", Self.qwen])
        XCTAssertEqual(qwen.status, 0, qwen.stdout + qwen.stderr)
        XCTAssertTrue(qwen.stdout.contains("tokenizer: vocab.json + merges.txt + added_tokens.json (Qwen2Tokenizer, class from config.json)"), qwen.stdout)
        XCTAssertTrue(qwen.stdout.contains("chat template: chat_template.json (renders)"), qwen.stdout)
        XCTAssertTrue(qwen.stdout.contains("weights: F16 ×"), qwen.stdout)
        XCTAssertTrue(qwen.stdout.contains("in model.safetensors"), qwen.stdout)
        XCTAssertTrue(qwen.stdout.contains("context 32768 tokens"), qwen.stdout)
        XCTAssertTrue(qwen.stdout.contains("tensor names: legacy"), qwen.stdout)
        // An A4 page at 300 dpi under the daemon's 1,003,520-pixel budget: smart_resize to 840×1176.
        XCTAssertTrue(qwen.stdout.contains("840×1176 px → 1260 image tokens, 1284 prompt tokens"), qwen.stdout)

        let aya = try run(["models", "verify", Self.aya])
        XCTAssertEqual(aya.status, 0, aya.stdout + aya.stderr)
        XCTAssertTrue(aya.stdout.contains("tokenizer: tokenizer.json + tokenizer_config.json"), aya.stdout)
        XCTAssertTrue(aya.stdout.contains("model-00001-of-00004.safetensors, model-00002-of-00004.safetensors"), aya.stdout)
        XCTAssertTrue(aya.stdout.contains("context 8192 tokens"), aya.stdout)
        XCTAssertTrue(aya.stdout.contains("model_type aya_vision"), aya.stdout)
        XCTAssertTrue(aya.stdout.contains("728×1092 px → 1183 image tokens"), aya.stdout)   // 6 tiles + thumbnail
    }

    func testModelsVerifyReportsATemplateThatDoesNotRender() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-verify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(atPath: Self.qwen, toPath: dir.path)
        let template = #"{"chat_template": "{{ raise_exception('this checkpoint only takes system turns') }}"}"#
        try FileManager.default.removeItem(at: dir.appendingPathComponent("chat_template.json"))
        try Data(template.utf8).write(to: dir.appendingPathComponent("chat_template.json"))
        let result = try run(["models", "verify", dir.path])
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertTrue(result.stdout.contains("FAILED"), result.stdout)
        XCTAssertTrue(result.stdout.contains("this checkpoint only takes system turns"), result.stdout)
    }

    func testOCRReadsBothRealLayoutsWithTheReferencePrompt() throws {
        for (folder, name) in [(Self.qwen, "qwen-tall"), (Self.aya, "aya-wide-2x1")] {
            let g = try golden(name)
            let image = ServeHarness.fixture(try XCTUnwrap(g["image"] as? String))
            let result = try run(["ocr", "--model", folder, "--greedy", "--max-tokens", "8", "--max-pixels", "12845056",
                                  "--json", image])
            XCTAssertEqual(result.status, 0, result.stderr)
            let line = try XCTUnwrap(result.stdout.split(separator: "\n").first, result.stderr)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["prompt_tokens"] as? Int, (g["prompt_ids"] as? [Any])?.count, name)
            let tokens = try XCTUnwrap(object["tokens"] as? [Int], name)
            XCTAssertFalse(tokens.isEmpty, name)
            // f16 weights with the CPU's native 16-bit products: the first pick is the reference's.
            XCTAssertEqual(tokens.first, (g["generated_ids"] as? [Int])?.first, name)
        }
    }

    func testServeReadsScansWithBothRealLayouts() throws {
        let harness = try ServeHarness(qwen: Self.qwen, aya: Self.aya)
        try harness.start()
        let qwenScan = try harness.drop("qwen2vl/images/tall.png", as: "note.png")
        let qwenJSON = try harness.sidecar(qwenScan)
        XCTAssertNil(qwenJSON["error"], "\(qwenJSON)")
        XCTAssertEqual((qwenJSON["model"] as? [String: Any])?["checkpoint"] as? String, Self.qwen)
        XCTAssertNotNil(qwenJSON["text"] as? String)

        try FileManager.default.createDirectory(atPath: harness.inbox + "/aya", withIntermediateDirectories: true)
        try Data("model = \"aya\"\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/aya/.scrawl.toml"))
        let ayaScan = try harness.drop("aya/preprocess364/wide-600x300.png", as: "aya/page.png")
        let ayaJSON = try harness.sidecar(ayaScan)
        XCTAssertNil(ayaJSON["error"], "\(ayaJSON)")
        XCTAssertEqual((ayaJSON["model"] as? [String: Any])?["name"] as? String, "aya-vision")
        XCTAssertEqual((ayaJSON["model"] as? [String: Any])?["checkpoint"] as? String, Self.aya)
        XCTAssertTrue(FileManager.default.fileExists(atPath: ayaScan + ".txt"))
        XCTAssertEqual(try harness.stop(), 0)
    }
}
