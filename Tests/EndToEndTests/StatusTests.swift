import Foundation
import XCTest

/// An operator can tell what is going on (issue 10, item 11): `scrawl status` says whether the
/// daemon runs (it holds the state directory's instance lock) and with which pid.
final class StatusTests: XCTestCase {
    func testStatusSaysWhetherTheDaemonIsRunning() throws {
        let harness = try ServeHarness()
        try harness.start()
        let pid = try XCTUnwrap(harness.process?.processIdentifier)
        var (code, text) = try harness.scrawl(["status"])
        XCTAssertEqual(code, 0)
        XCTAssertTrue(text.hasPrefix("daemon: running (pid \(pid))\n"), text)
        let daemon = try Robustness.status(harness)["daemon"] as? [String: Any]
        XCTAssertEqual(daemon?["running"] as? Bool, true)
        XCTAssertEqual(daemon?["pid"] as? Int, Int(pid))

        XCTAssertEqual(try harness.stop(), 0)
        (code, text) = try harness.scrawl(["status"])
        XCTAssertEqual(code, 0)
        XCTAssertTrue(text.hasPrefix("daemon: not running\n"), text)
        XCTAssertEqual((try Robustness.status(harness)["daemon"] as? [String: Any])?["running"] as? Bool, false)
    }
}
