import Foundation
import XCTest

/// `scrawl ocr` as a user runs it: the real binary, the tiny Qwen2-VL checkpoint, a fixture image,
/// checked against the reference's golden run (transformers greedy, 32 tokens).
final class OCRCommandTests: XCTestCase {
    private func ocr(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try ServeHarness.run(["ocr"] + arguments)
    }

    private func jsonLine(_ text: String) throws -> [String: Any] {
        let line = try XCTUnwrap(text.split(separator: "\n").first, "no JSON line in: \(text)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testGreedyJSONMatchesTheReferenceRun() throws {
        let golden = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/golden/f32-tall.json")))) as? [String: Any])
        let goldenIDs = try XCTUnwrap(golden["generated_ids"] as? [Int])
        let steps = try XCTUnwrap(golden["steps"] as? [[String: Any]])
        let image = ServeHarness.fixture("qwen2vl/images/tall.png")

        let run = try ocr(["--model", ServeHarness.checkpoint, "--greedy", "--max-tokens", "32", "--json", image])
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try jsonLine(run.stdout)
        XCTAssertEqual(object["path"] as? String, image)
        XCTAssertEqual(object["tokens"] as? [Int], goldenIDs)
        XCTAssertEqual(object["prompt_tokens"] as? Int, golden["prompt_length"] as? Int)
        XCTAssertEqual(object["finish_reason"] as? String, "max_tokens")
        let logprobs = try XCTUnwrap(object["logprobs"] as? [Double])
        XCTAssertEqual(logprobs.count, steps.count)
        for (ours, step) in zip(logprobs, steps) {
            XCTAssertEqual(ours, try XCTUnwrap(step["chosen_logprob"] as? Double), accuracy: 1e-3)
        }
        XCTAssertFalse((object["text"] as? String ?? "").isEmpty)
        XCTAssertNotNil(object["timings_ms"] as? [String: Any])

        // Plain mode streams the same text to stdout.
        let plain = try ocr(["--model", ServeHarness.checkpoint, "--greedy", "--max-tokens", "32", image])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.stdout.trimmingCharacters(in: .newlines),
                       (object["text"] as? String ?? "").trimmingCharacters(in: .newlines))
    }

    func testSamplingFlagsAreSeededAndOverrideTheCheckpoint() throws {
        let image = ServeHarness.fixture("qwen2vl/images/tall.png")
        let sampled = ["--model", ServeHarness.checkpoint, "--temperature", "1.5", "--top-k", "50", "--top-p", "1",
                       "--max-tokens", "24", "--json"]
        let first = try jsonLine(try ocr(sampled + ["--seed", "7", image]).stdout)
        let again = try jsonLine(try ocr(sampled + ["--seed", "7", image]).stdout)
        XCTAssertEqual(first["tokens"] as? [Int], again["tokens"] as? [Int], "the same seed must give the same tokens")
        // The checkpoint's generation_config (top_k 1) would be greedy; the overrides make it sample.
        let greedy = try jsonLine(try ocr(["--model", ServeHarness.checkpoint, "--greedy", "--max-tokens", "24", "--json", image]).stdout)
        let seeds = ["7", "8", "9"].map { seed in (try? jsonLine(try ocr(sampled + ["--seed", seed, image]).stdout))?["tokens"] as? [Int] }
        XCTAssertTrue(seeds.contains { $0 != nil && $0 != greedy["tokens"] as? [Int] },
                      "temperature 1.5 / top-k 50 sampled exactly the greedy tokens for three seeds")
    }

    func testBadInputAndUsageExitCodes() throws {
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-ocr-\(UUID().uuidString).jpg")
        try Data("not an image".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        let failed = try ocr(["--model", ServeHarness.checkpoint, "--json", junk.path])
        XCTAssertEqual(failed.status, 1)
        XCTAssertNotNil(try jsonLine(failed.stdout)["error"] as? String)
        XCTAssertEqual(try ocr(["--model", ServeHarness.checkpoint, "--temperature", "0", junk.path]).status, 2)
        let missing = try ocr(["--model", "/nonexistent/checkpoint", junk.path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/checkpoint"), missing.stderr)
    }
}
