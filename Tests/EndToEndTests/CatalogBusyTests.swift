import Foundation
import Glibc
import XCTest

/// A finished read is never lost to a busy or failing catalog (issue 10, item 4).
final class CatalogBusyTests: XCTestCase {
    /// Another process (as `scrawl reindex` does) holds the catalog's write lock past the busy timeout
    /// while a scan is being read, and while a second scan arrives: the first is recorded as read, with
    /// its sidecars, once the lock goes; the second is queued and read, not forgotten until a restart.
    func testAReadFinishedWhileTheCatalogIsLockedIsRecordedAndANewScanIsTakenAfterwards() throws {
        let harness = try ServeHarness()
        try harness.start()
        // A 6 MB scan: the worker hashes it before the model runs, time enough to take the lock meanwhile.
        let scan = harness.inbox + "/big.png"
        let temp = harness.inbox + "/.big.incoming"
        try BigScans.write(tag: "busy", padding: BigScans.paddingChunk(bytes: 6 << 20), to: temp)
        XCTAssertEqual(rename(temp, scan), 0)
        try harness.waitFor("the job to run", timeout: 120) {
            try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'running'") == 1
        }
        let locker = try WriteLockHolder(catalog: harness.stateDir + "/catalog.sqlite")
        let second = try harness.drop("qwen2vl/images/tiny.png", as: "second.png")
        // Past the daemon's 10 s busy timeout for the commit of the first and the enqueue of the second.
        Thread.sleep(forTimeInterval: 22)
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state IN ('done','failed')"), 0,
                       "nothing can be recorded while the lock is held")
        try locker.release()

        let json = try harness.sidecar(scan, timeout: 120) { $0["text"] != nil || $0["error"] != nil }
        XCTAssertNotNil(json["text"] as? String, "a finished read became \(json)")
        XCTAssertNil(json["error"])
        // The sidecars are written before the commit, which retries with backoff (up to 30 s apart).
        try harness.waitFor("the first scan's commit", timeout: 90) {
            try Robustness.currentDocument(harness, path: scan)?["state"] as? String == "done"
        }
        XCTAssertTrue(harness.log().contains("cannot record the result in the catalog yet"), "the lock did not meet the commit:\n\(harness.log())")
        XCTAssertNotNil(try harness.sidecar(second, timeout: 60)["text"] as? String)
        try harness.waitFor("the second scan's commit", timeout: 90) {
            try Robustness.currentDocument(harness, path: second)?["state"] as? String == "done"
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// `scrawl retry` reads the scan with its folder's prompt as it is now, as its help says.
    func testRetryAppliesTheFoldersCurrentPrompt() throws {
        let harness = try ServeHarness()
        try FileManager.default.createDirectory(atPath: harness.inbox + "/letters", withIntermediateDirectories: true)
        let tag = harness.inbox + "/letters/.scrawl.toml"
        try Data("prompt = \"First prompt\"\n".utf8).write(to: URL(fileURLWithPath: tag))
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "letters/note.png")
        XCTAssertEqual(try harness.sidecar(scan)["prompt"] as? String, "First prompt")

        try Data("prompt = \"Second prompt, longer\"\n".utf8).write(to: URL(fileURLWithPath: tag))
        let (status, output) = try harness.scrawl(["retry", scan])
        XCTAssertEqual(status, 0, output)
        let json = try harness.sidecar(scan) { $0["prompt"] as? String != "First prompt" }
        XCTAssertEqual(json["prompt"] as? String, "Second prompt, longer")
        XCTAssertEqual(try harness.stop(), 0)
    }
}

/// `sqlite3` holding `BEGIN IMMEDIATE` on the catalog until `release()`.
private final class WriteLockHolder {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    init(catalog: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [catalog]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(".timeout 20000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
        // Wait until the lock is ours.
        var seen = ""
        while !seen.contains("locked") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { throw HarnessError("sqlite3 ended before it held the lock: \(seen)") }
            seen += String(decoding: data, as: UTF8.self)
        }
    }

    func release() throws {
        input.fileHandleForWriting.write(Data("COMMIT;\n.quit\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
