import Foundation
import Glibc
import XCTest

/// Nothing hangs unseen (issue 10, item 7), with the real `scrawl serve` and the tiny checkpoint on a
/// page rendered at the largest pixel budget (16k image tokens: seconds per vision layer even for the
/// tiny model): a read that stops moving is reported and given up, a page past its time limit fails,
/// and a stop past the grace time cancels the read cleanly instead of abandoning the process.
final class ReadDeadlineTests: XCTestCase {
    static let bigPages = "max_pixels = 12845056"

    func testAReadWithoutProgressIsReportedThenGivenUp() throws {
        let harness = try ServeHarness(extraConfig: Self.bigPages, daemonConfig: "stop_grace_s = 5\nstall_timeout_s = 2")
        try harness.start()
        let pdf = try harness.drop("documents/scanned-3page.pdf", as: "slow.pdf")
        let json = try harness.sidecar(pdf, timeout: 180) { $0["error"] != nil || $0["text"] != nil }
        let error = try XCTUnwrap(json["error"] as? String, "\(json)")
        XCTAssertTrue(error.contains("no progress for"), error)
        XCTAssertTrue(error.contains("stall_timeout_s = 2"), error)
        XCTAssertTrue(error.contains("page 1 of 3"), error)
        let log = harness.log()
        XCTAssertTrue(log.contains("no progress for") && log.contains("the read is given up at stall_timeout_s = 2 s"),
                      "the stall reporter said so while it lasted:\n\(log)")
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'failed'"), 1)
        XCTAssertTrue(harness.isRunning, "the daemon stays up")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testAPagePastItsTimeLimitFails() throws {
        let harness = try ServeHarness(extraConfig: Self.bigPages, daemonConfig: "stop_grace_s = 5\npage_timeout_s = 3")
        try harness.start()
        let pdf = try harness.drop("documents/scanned-3page.pdf", as: "long.pdf")
        let json = try harness.sidecar(pdf, timeout: 180) { $0["error"] != nil || $0["text"] != nil }
        let error = try XCTUnwrap(json["error"] as? String, "\(json)")
        XCTAssertTrue(error.contains("not read within page_timeout_s = 3 s"), error)
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// SIGTERM with a 1 s grace during a long read: the read is cancelled at its next check, the daemon
    /// stops cleanly (not abandoned), and the next start reads the scan.
    func testAStopPastTheGraceTimeCancelsTheReadCleanly() throws {
        // 4 MP: vision layers of about a second each (checks come often enough for the 10 s cancel wait).
        let harness = try ServeHarness(extraConfig: "max_pixels = 4000000", daemonConfig: "stop_grace_s = 1")
        try harness.start()
        let pdf = try harness.drop("documents/scanned-3page.pdf", as: "letter.pdf")
        try harness.waitFor("the read to start", timeout: 60) { logged(harness.log(), path: pdf, event: "reading") }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try harness.stop(), 0)
        let log = harness.log()
        XCTAssertTrue(log.contains("grace time over: cancelling the read in progress"), log)
        XCTAssertFalse(log.contains("abandoning the scan being read"), "cancelled, not abandoned:\n\(log)")
        XCTAssertTrue(log.hasSuffix("] stopped\n") || log.contains("] stopped"), "a clean stop:\n\(log)")
        XCTAssertNil(sidecarJSON(pdf), "nothing was recorded for the cancelled read")
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'queued'"), 1)
        // A clean stop is not a crash: the attempt is given back, so stops during one long read
        // never add up to the crash-loop limit (Worker.maxAttempts) and fail the scan.
        XCTAssertEqual(try Robustness.count(harness, "SELECT attempts FROM jobs"), 0)
    }
}
