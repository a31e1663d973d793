import Foundation
import Glibc
import XCTest

/// An unmounted network inbox is not "everything deleted" (issue 10, item 9). Without root there is
/// no bind mount to take away, so the inbox folder is renamed away and an empty folder made in its
/// place — what an unmounted share's mount point looks like to a walk. Nothing may leave search; when
/// the folder is back, nothing is read again and no sidecar is rewritten.
final class UnmountedInboxTests: XCTestCase {
    func testAnInboxReplacedByAnEmptyFolderRemovesNothingAndItsReturnRewritesNothing() throws {
        let harness = try ServeHarness()
        try harness.start()
        let scans = [try harness.drop("qwen2vl/images/alpha.png", as: "a.png"),
                     try harness.drop("qwen2vl/images/grey.png", as: "sub/b.png"),
                     try harness.drop("qwen2vl/images/tall.png", as: "c.png")]
        for scan in scans { XCTAssertNotNil(try harness.sidecar(scan, timeout: 120)["text"] as? String, scan) }
        try Robustness.waitForEmptyQueue(harness, timeout: 60)
        let sidecars = try scans.flatMap { [try Fingerprint($0 + ".json"), try Fingerprint($0 + ".txt")] }
        let away = harness.root + "/inbox.away"

        // While the daemon runs: the inbox goes (inotify sees the root move), an empty folder comes.
        var logStart = harness.log().count
        try swap(harness.inbox, away, makeEmpty: true)
        try waitForProblem(harness, containing: "removals skipped")
        try assertNothingLeftSearch(harness, scans)
        XCTAssertTrue(harness.log().dropFirst(logStart).contains("removals skipped"), "a warning in the log")
        let (_, text) = try harness.scrawl(["status"])
        XCTAssertTrue(text.contains("inbox \(harness.inbox)") && text.contains("removals skipped"), text)

        // The real folder comes back: the problem clears, nothing is read, no sidecar rewritten.
        logStart = harness.log().count
        try swap(away, harness.inbox, makeEmpty: false)
        try waitForProblem(harness, containing: nil)
        Thread.sleep(forTimeInterval: 1)
        try assertNothingLeftSearch(harness, scans)
        XCTAssertEqual(try scans.flatMap { [try Fingerprint($0 + ".json"), try Fingerprint($0 + ".txt")] }, sidecars)
        let after = String(harness.log().dropFirst(logStart))
        XCTAssertFalse(after.contains("] queued") || after.contains("reused the result"), after)
        XCTAssertEqual(try harness.stop(), 0)

        // Across restarts: the start walk finds the empty folder, then the real one.
        try swap(harness.inbox, away, makeEmpty: true)
        try harness.start()
        try waitForProblem(harness, containing: "removals skipped")
        try assertNothingLeftSearch(harness, scans)
        XCTAssertEqual(try harness.stop(), 0)
        try swap(away, harness.inbox, makeEmpty: false)
        logStart = harness.log().count
        try harness.start()
        try waitForProblem(harness, containing: nil)
        try harness.waitFor("the start walk to look at every scan", timeout: 30) {
            harness.log().dropFirst(logStart).components(separatedBy: "[Daemon] already known").count - 1 >= scans.count
        }
        XCTAssertLessThan(try harness.bytesRead(), 1 << 20)
        try assertNothingLeftSearch(harness, scans)
        XCTAssertEqual(try scans.flatMap { [try Fingerprint($0 + ".json"), try Fingerprint($0 + ".txt")] }, sidecars)
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// Moves `from` to `to` (removing an empty `to` first), and makes an empty `from` when asked.
    private func swap(_ from: String, _ to: String, makeEmpty: Bool) throws {
        if FileManager.default.fileExists(atPath: to) {
            guard rmdir(to) == 0 else { throw HarnessError("rmdir \(to): \(String(cString: strerror(errno)))") }
        }
        guard rename(from, to) == 0 else { throw HarnessError("rename \(from) → \(to): \(String(cString: strerror(errno)))") }
        if makeEmpty { try FileManager.default.createDirectory(atPath: from, withIntermediateDirectories: false) }
    }

    /// Waits until `scrawl status` lists the inbox's problem with `text` (nil: until it lists none).
    private func waitForProblem(_ harness: ServeHarness, containing text: String?) throws {
        try harness.waitFor("the inbox problem to be \(text ?? "cleared")", timeout: 30) {
            let problems = try Robustness.status(harness)["problems"] as? [[String: Any]] ?? []
            let mine = problems.first { $0["source"] as? String == "inbox \(harness.inbox)" }
            guard let text else { return mine == nil }
            return (mine?["message"] as? String ?? "").contains(text)
        }
    }

    private func assertNothingLeftSearch(_ harness: ServeHarness, _ scans: [String], file: StaticString = #filePath,
                                         line: UInt = #line) throws {
        XCTAssertEqual(try Robustness.status(harness)["searchable"] as? Int, scans.count, file: file, line: line)
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM documents WHERE removed_at IS NOT NULL"), 0,
                       file: file, line: line)
    }
}
