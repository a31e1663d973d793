import Foundation
import Glibc
import XCTest

/// An operator can tell what is going on (issue 10, item 11, rest): problems that were only in the log
/// are in `scrawl status` — here a folder inotify cannot watch. The daemon runs as an unprivileged
/// user (root can watch anything), and a folder of the inbox it may not read stands in for one past
/// fs.inotify.max_user_watches (the same failure of inotify_add_watch, ENOSPC there, EACCES here).
final class StatusProblemsTests: XCTestCase {
    func testAFolderThatCannotBeWatchedIsListedUntilItIsWatched() throws {
        guard let launcher = Robustness.unprivilegedLauncher(), getuid() == 0 else {
            throw XCTSkip("needs root with setpriv, to run the daemon as a user a folder can be closed to")
        }
        let harness = try ServeHarness()
        _ = try Robustness.useCheckpointCopy(in: harness)
        let locked = harness.inbox + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
        try Robustness.giveAway(harness.root)
        XCTAssertEqual(chmod(locked, 0), 0)
        try harness.start(launcher: launcher)
        try harness.waitFor("scrawl status to list the unwatched folder", timeout: 30) {
            let problems = try Robustness.status(harness)["problems"] as? [[String: Any]] ?? []
            return problems.contains { $0["source"] as? String == "watches" && ($0["message"] as? String ?? "").contains(locked) }
        }
        let (_, text) = try harness.scrawl(["status"])
        XCTAssertTrue(text.contains("(watches,") && text.contains("1 folder is not watched"), text)

        // Opened up: the next check watches it, the problem goes, and a scan dropped there is read.
        XCTAssertEqual(chmod(locked, 0o755), 0)
        try harness.waitFor("the problem to clear", timeout: 30) {
            let problems = try Robustness.status(harness)["problems"] as? [[String: Any]] ?? []
            return !problems.contains { $0["source"] as? String == "watches" }
        }
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "locked/page.png")
        try Robustness.giveAway(scan)
        XCTAssertNotNil(try harness.sidecar(scan, timeout: 60)["text"] as? String, "inotify saw the drop: the folder is watched")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
