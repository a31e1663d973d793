import Foundation
import Glibc
import XCTest
@testable import Daemon

final class NotifierTests: XCTestCase {
    /// A unix datagram socket bound where systemd's would be; returns its fd.
    private func bindDatagramSocket(_ path: String, abstract: Bool) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if abstract { bytes.insert(0, at: 0) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard rc == 0 else { throw NSError(domain: "bind", code: Int(errno)) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private func receive(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }

    func testDatagramsToAPathSocket() throws {
        let dir = try TemporaryDirectory()
        let path = dir.resolved + "/notify.sock"
        let fd = try bindDatagramSocket(path, abstract: false)
        defer { close(fd) }
        let notifier = SystemdNotifier(socketPath: path)
        XCTAssertTrue(notifier.isEnabled)
        notifier.ready(status: "idle, watching 1 inbox")
        XCTAssertEqual(receive(fd), "READY=1\nSTATUS=idle, watching 1 inbox")
        notifier.status("reading /in/a.jpg (12 tokens)")
        XCTAssertEqual(receive(fd), "STATUS=reading /in/a.jpg (12 tokens)")
        notifier.watchdog()
        XCTAssertEqual(receive(fd), "WATCHDOG=1")
        notifier.stopping(status: "stopping")
        XCTAssertEqual(receive(fd), "STOPPING=1\nSTATUS=stopping")
    }

    func testStatusTextCannotAddAssignments() throws {
        let dir = try TemporaryDirectory()
        let path = dir.resolved + "/notify.sock"
        let fd = try bindDatagramSocket(path, abstract: false)
        defer { close(fd) }
        let notifier = SystemdNotifier(socketPath: path)
        notifier.status("reading /in/x\nWATCHDOG_USEC=1\r\u{1B}\u{2028}\u{202E}.png")
        XCTAssertEqual(receive(fd), "STATUS=reading /in/x\\nWATCHDOG_USEC=1\\r\\x1b\\u{2028}\\u{202e}.png")
        notifier.ready(status: "a\nSTOPPING=1")
        XCTAssertEqual(receive(fd), "READY=1\nSTATUS=a\\nSTOPPING=1")
        XCTAssertEqual(ControlEscaping.escaped("emoji 🧾 ünïcödé \\ back.png"), "emoji 🧾 ünïcödé \\ back.png")
    }

    func testDatagramsToAnAbstractSocket() throws {
        let name = "scrawl-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try bindDatagramSocket(name, abstract: true)
        defer { close(fd) }
        let notifier = SystemdNotifier(socketPath: "@" + name)
        XCTAssertTrue(notifier.send("READY=1"))
        XCTAssertEqual(receive(fd), "READY=1")
    }

    func testWatchdogTimerPingsOnlyWhileAlive() throws {
        let dir = try TemporaryDirectory()
        let path = dir.resolved + "/notify.sock"
        let fd = try bindDatagramSocket(path, abstract: false)
        defer { close(fd) }
        let alive = Locked(true)
        let watchdog = Watchdog(interval: 0.2, notifier: SystemdNotifier(socketPath: path)) { alive.get() }
        watchdog.start()
        XCTAssertEqual(receive(fd), "WATCHDOG=1")
        XCTAssertEqual(receive(fd), "WATCHDOG=1")
        alive.set(false)
        Thread.sleep(forTimeInterval: 0.25)
        var drained = [UInt8](repeating: 0, count: 64)
        while recv(fd, &drained, drained.count, Int32(MSG_DONTWAIT)) > 0 {}
        var timeout = timeval(tv_sec: 0, tv_usec: 400_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        XCTAssertNil(receive(fd), "a hung monitor loop stops the pings")
        watchdog.stop()
    }

    func testAFullReceiverQueueNeverBlocksTheDaemon() throws {
        let dir = try TemporaryDirectory()
        let path = dir.resolved + "/notify.sock"
        let fd = try bindDatagramSocket(path, abstract: false)
        defer { close(fd) }
        let notifier = SystemdNotifier(socketPath: path)
        let started = Date()
        let results = (0..<5000).map { _ in notifier.send("WATCHDOG=1") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertTrue(results.first ?? false)
        XCTAssertTrue(results.contains(false), "a full queue drops the datagram instead of blocking")
        XCTAssertEqual(receive(fd), "WATCHDOG=1")
    }

    func testWithoutNotifySocketNothingIsSent() {
        let notifier = SystemdNotifier(socketPath: "relative-is-not-a-socket")
        XCTAssertFalse(notifier.isEnabled)
        XCTAssertFalse(notifier.send("READY=1"))
    }
}
