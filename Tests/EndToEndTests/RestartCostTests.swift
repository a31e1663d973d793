import Foundation
import Glibc
import XCTest

/// Restarts cost nothing on a large inbox (issue 10, item 2): big scans are hashed in pieces with
/// the watchdog fed throughout, and a restart reads none of the bytes it already hashed (the catalog
/// remembers device, inode, size and mtime → SHA-256). `SCRAWL_LONG_TESTS=1`: 40 × 100 MB.
final class RestartCostTests: XCTestCase {
    func testBigScansKeepTheWatchdogFedAndRestartsReadNoScanBytes() throws {
        let (count, megabytes) = Robustness.longRun ? (40, 100) : (4, 8)
        let harness = try ServeHarness()
        let notify = try NotifySocket(path: harness.root + "/notify.sock")
        defer { notify.close() }
        let padding = BigScans.paddingChunk(bytes: megabytes << 20)
        var scans: [String] = []
        for index in 0..<count {
            let path = harness.inbox + "/scan-\(index).png"
            try BigScans.write(tag: "big\(index)", padding: padding, to: path)
            scans.append(path)
        }
        let environment = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"]

        // First start: every scan is new, hashed by the intake and read by the model.
        var started = Date()
        try harness.start(environment: environment)
        for scan in scans { XCTAssertNotNil(try harness.sidecar(scan, timeout: 600)["text"] as? String, scan) }
        XCTAssertLessThanOrEqual(notify.longestWatchdogGap(since: started), 1.0, "the watchdog went hungry while big scans were hashed")
        XCTAssertEqual(try harness.stop(), 0)

        // Two restarts: every scan is looked at again, none is read again.
        for restart in 1...2 {
            let logBefore = harness.log().count
            started = Date()
            try harness.start(environment: environment)
            try harness.waitFor("the start rescan to take every scan", timeout: 120) {
                harness.log().dropFirst(logBefore).components(separatedBy: "[Daemon] already known").count - 1 >= count
            }
            let read = try harness.bytesRead()
            XCTAssertLessThan(read, 1 << 20, "restart \(restart) read \(read) bytes of \(count) × \(megabytes) MB scans")
            XCTAssertLessThanOrEqual(notify.longestWatchdogGap(since: started), 1.0, "restart \(restart)")
            XCTAssertEqual(try harness.stop(), 0)
        }
    }
}
