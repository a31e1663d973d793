import Foundation
import XCTest

/// Memory is checked before a model is loaded (issue 10, item 6), on the real binary: with a limit
/// too small for the checkpoint (`SCRAWL_MEMORY_MAX` stands in for the cgroup's memory.max) the model
/// is not loaded, the scan waits in the queue (nothing failed, no error sidecar) and `scrawl status`
/// says why; with room again it is read.
final class MemoryCheckEndToEndTests: XCTestCase {
    func testAModelThatCannotFitIsNotLoadedAndItsScansWait() throws {
        let harness = try ServeHarness()
        try harness.start(environment: ["SCRAWL_MEMORY_MAX": "1M"])
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "page.png")
        try harness.waitFor("the worker to refuse the load (or read the scan)", timeout: 30) {
            harness.log().contains("not enough memory to load the qwen model") || FileManager.default.fileExists(atPath: scan + ".json")
        }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scan + ".json"), "no sidecar: the scan was not read")
        XCTAssertFalse(harness.log().contains("model loaded"))
        let status = try Robustness.status(harness)
        XCTAssertEqual((status["jobs"] as? [String: Int])?["failed"], 0, "\(status)")
        XCTAssertEqual((status["jobs"] as? [String: Int])?["queued"], 1, "\(status)")
        let problem = (status["problems"] as? [[String: Any]])?.first
        XCTAssertEqual(problem?["source"] as? String, "model qwen", "\(status)")
        let message = problem?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("not enough memory") && message.contains("SCRAWL_MEMORY_MAX limit 0.00 GiB"), message)
        XCTAssertEqual(try harness.stop(), 0)

        try harness.start()
        XCTAssertNotNil(try harness.sidecar(scan, timeout: 60)["text"] as? String)
        try Robustness.waitForEmptyQueue(harness, timeout: 30)
        XCTAssertEqual((try Robustness.status(harness)["problems"] as? [Any])?.count, 0, "the problem is cleared")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
