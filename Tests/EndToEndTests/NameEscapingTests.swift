import Foundation
import Glibc
import XCTest

/// A file name never becomes notify-protocol or log structure (issue 10, item 1).
final class NameEscapingTests: XCTestCase {
    /// The assignments scrawl may send systemd; any other line in a datagram was forged.
    private static let notifyKeys: Set<Substring> = ["READY", "STATUS", "WATCHDOG", "STOPPING", "EXTEND_TIMEOUT_USEC"]

    func testNewlinesInANameAreEscapedInStatusAndLogAndLogLinesCarryPriorities() throws {
        let harness = try ServeHarness()
        let notify = try NotifySocket(path: harness.root + "/notify.sock")
        defer { notify.close() }
        // stderr is "the journal" when JOURNAL_STREAM names its device and inode, as systemd sets it.
        FileManager.default.createFile(atPath: harness.logPath, contents: nil)
        var info = stat()
        XCTAssertEqual(stat(harness.logPath, &info), 0)
        try harness.start(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000",
                                        "JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"])

        let name = "x\nWATCHDOG_USEC=1\nSTOPPING=1\ny.png"
        let tiny = try XCTUnwrap(FileManager.default.contents(atPath: ServeHarness.fixture("qwen2vl/images/tiny.png")))
        let scan = harness.inbox + "/" + name
        try Robustness.place(uniquePNG(Array(tiny), tag: "escaping"), at: scan)
        let broken = harness.inbox + "/broken\u{1B}[31m.png"
        try Robustness.place(Array("not an image at all".utf8), at: broken)
        _ = try harness.sidecar(scan)
        _ = try harness.sidecar(broken)
        XCTAssertTrue(harness.isRunning)
        XCTAssertEqual(try harness.stop(), 0)
        try harness.waitFor("STOPPING", timeout: 10) { notify.messages.contains { $0.hasPrefix("STOPPING=1") } }

        // Every line of every datagram is an assignment scrawl means; STOPPING only once, at the stop.
        let messages = notify.messages
        for message in messages {
            for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
                let key = line.split(separator: "=", maxSplits: 1).first ?? ""
                XCTAssertTrue(Self.notifyKeys.contains(key), "forged notify line \(line.debugDescription) in \(message.debugDescription)")
            }
        }
        XCTAssertEqual(messages.filter { $0.split(separator: "\n").contains("STOPPING=1") }.count, 1, "\(messages)")
        XCTAssertTrue(messages.contains("STATUS=reading \(harness.inbox)/x\\nWATCHDOG_USEC=1\\nSTOPPING=1\\ny.png (0 tokens)"),
                      "\(messages)")

        // One event a line, each with its journald priority; the name is on one line, escaped.
        let lines = harness.log().split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 5)
        for line in lines {
            XCTAssertNotNil(line.range(of: #"^<[0-7]>\d{4}-"#, options: .regularExpression), "line without a priority: \(line)")
        }
        XCTAssertTrue(lines.contains { $0.contains("path=\(harness.inbox)/x\\nWATCHDOG_USEC=1\\nSTOPPING=1\\ny.png") },
                      harness.log())
        let failure = try XCTUnwrap(lines.first { $0.contains("failed:") && $0.contains("broken") }, harness.log())
        XCTAssertTrue(failure.hasPrefix("<3>"), String(failure))
        XCTAssertTrue(failure.contains("broken\\x1b[31m.png"), String(failure))
        XCTAssertTrue(lines.contains { $0.hasPrefix("<5>") && $0.contains("] ready") })
    }
}
