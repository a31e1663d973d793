import Foundation
import XCTest

/// A model that fails to load stops that model's jobs with one clear error (issue 10, item 12, daemon
/// half): a checkpoint whose config.json has a value out of range does not fail every scan; they wait
/// in the queue, `scrawl status` names the file and the key once, and they are read when it is fixed.
final class BrokenCheckpointTests: XCTestCase {
    func testACheckpointThatCannotLoadPausesItsScansWithOneErrorNamingTheKey() throws {
        let harness = try ServeHarness()
        let copy = try Robustness.useCheckpointCopy(in: harness)
        let configPath = copy + "/config.json"
        let good = try Data(contentsOf: URL(fileURLWithPath: configPath))
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: good) as? [String: Any])
        var text = try XCTUnwrap(config["text_config"] as? [String: Any])
        text["num_hidden_layers"] = 1 << 40
        config["text_config"] = text
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        try harness.start()
        let scans = [try harness.drop("qwen2vl/images/tiny.png", as: "a.png"), try harness.drop("qwen2vl/images/grey.png", as: "b.png")]
        try harness.waitFor("the model wait (or a failed scan)", timeout: 30) {
            let failed = try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'failed'")
            return harness.log().contains("cannot be loaded") || failed > 0
        }
        Thread.sleep(forTimeInterval: 0.5)
        let status = try Robustness.status(harness)
        XCTAssertEqual((status["jobs"] as? [String: Int])?["failed"], 0, "\(status)")
        XCTAssertEqual((status["jobs"] as? [String: Int])?["queued"], 2, "\(status)")
        let problems = status["problems"] as? [[String: Any]] ?? []
        XCTAssertEqual(problems.count, 1, "one error, not one per scan: \(problems)")
        let message = problems.first?["message"] as? String ?? ""
        XCTAssertEqual(problems.first?["source"] as? String, "model qwen")
        XCTAssertTrue(message.contains("config.json") && message.contains("text_config.num_hidden_layers"), message)
        for scan in scans { XCTAssertFalse(FileManager.default.fileExists(atPath: scan + ".json"), "no error sidecar for \(scan)") }

        // Fixed: the next load attempt (backoff 2 s, doubling) reads them.
        try good.write(to: URL(fileURLWithPath: configPath))
        for scan in scans { XCTAssertNotNil(try harness.sidecar(scan, timeout: 60)["text"] as? String, scan) }
        try Robustness.waitForEmptyQueue(harness, timeout: 30)
        XCTAssertEqual((try Robustness.status(harness)["problems"] as? [Any])?.count, 0)
        XCTAssertEqual(try harness.stop(), 0)
    }
}
