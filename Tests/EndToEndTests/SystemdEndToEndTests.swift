import Foundation
import Glibc
import XCTest

/// The unit file and the notify protocol as systemd would see them (systemd is not PID 1 here:
/// the unit is checked offline and the daemon is run directly with NOTIFY_SOCKET set).
final class SystemdEndToEndTests: XCTestCase {
    func testNotifyReadyWatchdogStatusAndStopping() throws {
        let harness = try ServeHarness()
        let socketPath = harness.root + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Drain the socket all the time, as systemd does (a full queue would drop datagrams).
        let inbox = MessageBox()
        let readerDone = DispatchSemaphore(value: 0)
        let reader = Thread {
            while !inbox.closed {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { inbox.append(String(decoding: buffer[..<count], as: UTF8.self)) }
            }
            readerDone.signal()
        }
        reader.start()
        defer {
            inbox.close()
            readerDone.wait()
            close(fd)
        }
        func collect(until predicate: ([String]) -> Bool) throws {
            try harness.waitFor("notify messages", timeout: 30) { predicate(inbox.messages) }
        }

        try harness.start(environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000"])
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

/// Datagrams received so far, shared with the reading thread.
private final class MessageBox: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [String] = []
    private var isClosed = false

    var messages: [String] { lock.withLock { received } }
    var closed: Bool { lock.withLock { isClosed } }
    func append(_ message: String) { lock.withLock { received.append(message) } }
    func close() { lock.withLock { isClosed = true } }
}
