import Foundation
import Glibc
import XCTest

/// The unit file and the notify protocol as systemd would see them (systemd is not PID 1 here:
/// the unit is checked offline and the daemon is run directly with NOTIFY_SOCKET set).
final class SystemdEndToEndTests: XCTestCase {
    func testNotifyReadyWatchdogStatusAndStopping() throws {
        let harness = try ServeHarness()
        let notify = try NotifySocket(path: harness.root + "/notify.sock")
        defer { notify.close() }
        func collect(until predicate: ([String]) -> Bool) throws {
            try harness.waitFor("notify messages", timeout: 30) { predicate(notify.messages) }
        }

        try harness.start(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        try collect { $0.contains { $0.hasPrefix("READY=1\nSTATUS=idle") } && $0.filter { $0 == "WATCHDOG=1" }.count >= 2 }
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "n.png")
        try collect { $0.contains("STATUS=reading \(scan) (0 tokens)") }
        _ = try harness.sidecar(scan)
        XCTAssertEqual(try harness.stop(), 0)
        try collect { $0.contains { $0.hasPrefix("STOPPING=1") } }
    }

    func testUnitVerifiesAndExposureIsAtMost1point5() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") || FileManager.default.isExecutableFile(atPath: "/bin/systemd-analyze") else {
            throw XCTSkip("systemd-analyze is not installed: run systemd/verify.sh where it is")
        }
        let script = ServeHarness.fixtures.appendingPathComponent("../../systemd/verify.sh").standardized.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script, try ServeHarness.binary()]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("systemd-analyze verify: ok"), output)
        let exposure = output.components(separatedBy: "Overall exposure level for scrawl.service: ").dropFirst().first
            .flatMap { Double($0.prefix { $0 == "." || $0.isNumber }) }
        XCTAssertLessThanOrEqual(try XCTUnwrap(exposure, output), 1.5)
    }
}
