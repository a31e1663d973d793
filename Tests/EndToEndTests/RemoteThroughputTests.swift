import Foundation
import XCTest

/// Scans per minute through the remote engine with max_in_flight 1 and 8 against the same
/// transformers serve (tiny Qwen2-VL checkpoint). A measurement, not a check: it prints the figures
/// and asserts only that every scan was read once. SCRAWL_LONG_TESTS=1 turns it on (run it under
/// the heavy-work lock: it is a benchmark). SCRAWL_REMOTE_BENCH_SCANS sets the scan count (24).
final class RemoteThroughputTests: XCTestCase {
    func testScansPerMinuteWithOneAndEightInFlight() throws {
        try XCTSkipUnless(Robustness.longRun, "a benchmark: SCRAWL_LONG_TESTS=1")
        let count = Int(ProcessInfo.processInfo.environment["SCRAWL_REMOTE_BENCH_SCANS"] ?? "") ?? 24
        let server = try RemoteServer(logPath: NSTemporaryDirectory() + "scrawl-remote-bench-\(UUID().uuidString).log")
        try server.start()
        let tall = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/tall.png"))))
        var report: [String] = []
        for inFlight in [1, 8, 1, 8] {
            let harness = try ServeHarness.remote(url: server.url, maxInFlight: inFlight)
            try harness.start()
            // Warm the server (model load on the first request) before the clock starts.
            let warm = harness.inbox + "/warm.png"
            try Robustness.place(uniquePNG(tall, tag: "warm-\(UUID().uuidString)"), at: warm)
            _ = try harness.sidecar(warm, timeout: 120)
            try FileManager.default.createDirectory(atPath: harness.inbox + "/bench", withIntermediateDirectories: true)
            let started = Date()
            let scans = try (0..<count).map { index -> String in
                let path = harness.inbox + "/bench/\(index).png"
                try Robustness.place(uniquePNG(tall, tag: "bench-\(inFlight)-\(index)-\(UUID().uuidString)"), at: path)
                return path
            }
            var tokens = 0
            for scan in scans {
                let json = try harness.sidecar(scan, timeout: 600)
                XCTAssertNil(json["error"], "\(json)")
                tokens += json["tokens"] as? Int ?? 0
            }
            let seconds = Date().timeIntervalSince(started)
            let line = String(format: "max_in_flight %d: %d scans in %.1f s = %.1f scans/min (%d streamed chunks)",
                              inFlight, count, seconds, Double(count) * 60 / seconds, tokens)
            print("remote throughput: " + line)
            report.append(line)
            XCTAssertEqual(try harness.stop(), 0)
        }
        print("remote throughput summary:\n" + report.joined(separator: "\n"))
    }
}
