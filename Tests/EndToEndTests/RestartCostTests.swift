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
        let tiny = try XCTUnwrap(FileManager.default.contents(atPath: ServeHarness.fixture("qwen2vl/images/tiny.png")))
        let padding = paddingChunk(bytes: megabytes << 20)
        var scans: [String] = []
        for index in 0..<count {
            let png = uniquePNG(Array(tiny), tag: "big\(index)")
            // A private ancillary chunk before IEND: a valid PNG of the size of a 600-dpi colour scan.
            let path = harness.inbox + "/scan-\(index).png"
            FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            handle.write(Data(png[..<(png.count - 12)]))
            handle.write(padding)
            handle.write(Data(png[(png.count - 12)...]))
            try handle.close()
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

    /// A `scRw` chunk (private, ancillary: decoders skip it) of `bytes` zeros, CRC and all.
    private func paddingChunk(bytes: Int) -> Data {
        var chunk = Data(capacity: bytes + 12)
        withUnsafeBytes(of: UInt32(bytes).bigEndian) { chunk.append(contentsOf: $0) }
        let kind = Array("scRw".utf8)
        chunk.append(contentsOf: kind)
        chunk.append(Data(count: bytes))
        var crc = TableCRC32()
        crc.update(kind)
        crc.update(zeros: bytes)
        withUnsafeBytes(of: crc.value.bigEndian) { chunk.append(contentsOf: $0) }
        return chunk
    }
}

/// Table-driven CRC-32 (PNG's), fast enough for a 100 MB chunk in a debug build.
private struct TableCRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        return crc
    }
    private var crc: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: [UInt8]) {
        for byte in bytes { crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }

    mutating func update(zeros count: Int) {
        Self.table.withUnsafeBufferPointer { table in
            for _ in 0..<count { crc = table[Int(crc & 0xFF)] ^ (crc >> 8) }
        }
    }

    var value: UInt32 { ~crc }
}
