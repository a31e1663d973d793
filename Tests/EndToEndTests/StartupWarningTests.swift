import Foundation
import XCTest

/// A newcomer starting `scrawl serve` before pulling the weights is told so at start.
final class StartupWarningTests: XCTestCase {
    func testMissingCheckpointIsReportedAtStart() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-start-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/inbox", withIntermediateDirectories: true)
        let logPath = root + "/log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try XCTUnwrap(FileHandle(forWritingAtPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServeHarness.binary())
        process.arguments = ["serve", "--inbox", root + "/inbox", "--state-dir", root + "/state"]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let deadline = Date().addingTimeInterval(30)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if text.contains("] ready") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.terminate()
        process.waitUntilExit()
        XCTAssertTrue(text.contains("] ready"), text)
        XCTAssertTrue(text.contains("no qwen checkpoint at \(root)/state/models/qwen2-vl-ocr-2b"), text)
        XCTAssertTrue(text.contains("scrawl models pull qwen"), text)
        XCTAssertFalse(text.contains("no aya checkpoint"), "no inbox uses aya: \(text)")
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
