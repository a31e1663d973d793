import Foundation
import Glibc
import XCTest

/// systemd gives up on permanent errors (issue 10, item 10): every configuration or state error
/// exits 78 (the unit's RestartPreventExitStatus), the unit has a start limit, and the start timeout
/// is extended before the catalog is opened and migrated.
final class PermanentErrorTests: XCTestCase {
    /// Runs `scrawl serve --config FILE` until it exits (at most 30 s); (status, stderr).
    private func serve(_ config: String) throws -> (status: Int32, message: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServeHarness.binary())
        process.arguments = ["serve", "--config", config]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw HarnessError("scrawl serve kept running: a permanent error must end it")
        }
        return (process.terminationStatus, String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    private func rewrite(_ harness: ServeHarness, _ from: String, _ to: String) throws {
        let text = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        XCTAssertTrue(text.contains(from))
        try Data(text.replacingOccurrences(of: from, with: to).utf8).write(to: URL(fileURLWithPath: harness.configPath))
    }

    func testACatalogFromANewerScrawlExits78() throws {
        let harness = try ServeHarness()
        try harness.start()
        XCTAssertEqual(try harness.stop(), 0)
        try Robustness.run("/usr/bin/sqlite3", [harness.stateDir + "/catalog.sqlite", "PRAGMA user_version = 99"])
        let (status, message) = try serve(harness.configPath)
        XCTAssertEqual(status, 78, message)
        XCTAssertTrue(message.contains("schema version 99, newer than this scrawl understands"), message)
    }

    func testAMissingInboxExits78() throws {
        let harness = try ServeHarness()
        try rewrite(harness, "path = \"\(harness.inbox)\"", "path = \"\(harness.root)/no-such-inbox\"")
        let (status, message) = try serve(harness.configPath)
        XCTAssertEqual(status, 78, message)
        XCTAssertTrue(message.contains("no-such-inbox does not exist"), message)
    }

    func testAStateDirThatCannotBeUsedExits78() throws {
        let harness = try ServeHarness()
        FileManager.default.createFile(atPath: harness.stateDir, contents: Data("not a folder".utf8))
        let (status, message) = try serve(harness.configPath)
        XCTAssertEqual(status, 78, message)
        XCTAssertTrue(message.contains("state directory \(harness.stateDir) cannot be used"), message)
    }

    func testTheStartTimeoutIsExtendedBeforeTheCatalogOpensAndTheUnitHasAStartLimit() throws {
        let harness = try ServeHarness()
        let notify = try NotifySocket(path: harness.root + "/notify.sock")
        defer { notify.close() }
        try harness.start(environment: ["NOTIFY_SOCKET": notify.path])
        try harness.waitFor("READY", timeout: 10) { notify.messages.contains { $0.hasPrefix("READY=1") } }
        let messages = notify.messages
        let extend = try XCTUnwrap(messages.firstIndex { $0.hasPrefix("EXTEND_TIMEOUT_USEC=600000000\n") }, "\(messages)")
        let ready = try XCTUnwrap(messages.firstIndex { $0.hasPrefix("READY=1") })
        XCTAssertLessThan(extend, ready)
        XCTAssertEqual(try harness.stop(), 0)

        let unit = try String(contentsOfFile: ServeHarness.fixtures.appendingPathComponent("../../systemd/scrawl.service").standardized.path,
                              encoding: .utf8)
        let unitSection = try XCTUnwrap(unit.components(separatedBy: "\n[Unit]\n").last?.components(separatedBy: "\n[Service]\n").first)
        XCTAssertTrue(unitSection.contains("\nStartLimitIntervalSec=10min\n"), "a start limit in [Unit]")
        XCTAssertTrue(unitSection.contains("\nStartLimitBurst=5\n"))
        XCTAssertTrue(unit.contains("\nRestartPreventExitStatus=78\n"))
    }
}
