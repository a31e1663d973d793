import Foundation
import Glibc
import XCTest

/// SIGTERM while remote reads are in flight (issue 12): within `stop_grace_s` the reads in flight
/// finish and the scans not yet sent stay queued; past it the reads in flight are cancelled and
/// queued again, with no error sidecar and no failed job. Either way every scan is read exactly once
/// after the restart. The real `scrawl serve` against transformers serve on the tiny checkpoint,
/// through the fault proxy, which holds each stream after its first content event: exactly
/// `max_in_flight` reads are mid-stream when SIGTERM comes, on any machine at any speed.
final class RemoteStopEndToEndTests: XCTestCase {
    static let scanCount = 8
    static let maxInFlight = 4

    private struct Setup {
        let server: RemoteServer
        let proxy: FaultProxy
        let harness: ServeHarness
        /// Read before the others (the server loads the model on its first request).
        let warm: String
        let scans: [String]
        /// The scans being read (held mid-stream) when the setup returns.
        let inFlight: Set<String>
        var waiting: [String] { scans.filter { !inFlight.contains($0) } }
    }

    /// A daemon with `stop_grace_s = graceS` and 8 scans queued: 4 read at once, each held mid-stream.
    private func startWithReadsHeld(graceS: Int) throws -> Setup {
        let (server, proxy) = try startServerAndProxy()
        let harness = try ServeHarness.remote(url: proxy.url, maxInFlight: Self.maxInFlight, timeoutS: 300)
        let config = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        XCTAssertTrue(config.contains("stop_grace_s = 5"))
        try Data(config.replacingOccurrences(of: "stop_grace_s = 5", with: "stop_grace_s = \(graceS)").utf8)
            .write(to: URL(fileURLWithPath: harness.configPath))
        try harness.start()

        let tiny = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/tiny.png"))))
        let warm = harness.inbox + "/warm.png"
        try Robustness.place(uniquePNG(tiny, tag: "warm"), at: warm)
        XCTAssertNil(try harness.sidecar(warm, timeout: 300)["error"])

        try proxy.queue(Array(repeating: "hold", count: Self.maxInFlight))
        let scans = try (1...Self.scanCount).map { index -> String in
            let path = harness.inbox + "/scan-\(index).png"
            try Robustness.place(uniquePNG(tiny, tag: "stop-\(index)"), at: path)
            return path
        }
        try harness.waitFor("all scans queued", timeout: 60) {
            try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE path LIKE '%/scan-%'") == Self.scanCount
        }
        try proxy.waitForHeld(Self.maxInFlight, harness: harness)
        // max_in_flight holds: no fifth request goes out while four are held.
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(proxy.chatRequests(), 1 + Self.maxInFlight, "\(proxy.requests())")
        let running = try Robustness.query(harness, "SELECT path FROM jobs WHERE state = 'running'").compactMap { $0["path"] as? String }
        XCTAssertEqual(running.count, Self.maxInFlight, "\(running)")
        return Setup(server: server, proxy: proxy, harness: harness, warm: warm, scans: scans, inFlight: Set(running))
    }

    /// SIGTERM, and the daemon's word that it is stopping.
    private func sigterm(_ harness: ServeHarness) throws {
        let pid = try XCTUnwrap(harness.process).processIdentifier
        XCTAssertEqual(kill(pid, SIGTERM), 0)
        try harness.waitFor("the stop", timeout: 60) { harness.log().contains("signal \(SIGTERM): stopping") }
    }

    private func jobs(_ harness: ServeHarness, _ state: String) throws -> Int {
        try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = '\(state)' AND path LIKE '%/scan-%'")
    }

    /// After the restart: every scan read once, and the proxy passed one whole stream per scan (the
    /// streams of cancelled reads never reached the daemon whole).
    private func restartAndCheckEachReadOnce(_ setup: Setup) throws {
        try setup.harness.start()
        for scan in setup.waiting + setup.inFlight.sorted() { XCTAssertNil(try setup.harness.sidecar(scan, timeout: 300)["error"]) }
        XCTAssertTrue(setup.harness.isRunning)
        try assertEachReadOnce([setup.warm] + setup.scans, harness: setup.harness)
        XCTAssertEqual(setup.proxy.completedReads(), 1 + setup.scans.count,
                       "one whole stream per scan: \(setup.proxy.requests())")
        XCTAssertEqual(try setup.harness.stop(), 0)
    }

    func testWithinTheGraceTheReadsInFlightFinishAndTheRestWaitForTheRestart() throws {
        let setup = try startWithReadsHeld(graceS: 300)
        try sigterm(setup.harness)
        // The daemon waits for the reads in flight (it has 300 s) and sends nothing new meanwhile.
        Thread.sleep(forTimeInterval: 1)
        XCTAssertTrue(setup.harness.isRunning, "the daemon waits for its reads in flight")
        XCTAssertEqual(setup.proxy.chatRequests(), 1 + Self.maxInFlight, "nothing new is sent while stopping")
        setup.proxy.release()
        XCTAssertEqual(try setup.harness.stop(timeout: 120), 0)

        for scan in setup.inFlight {
            let json = try XCTUnwrap(sidecarJSON(scan), "a read in flight at SIGTERM finished: \(scan)")
            XCTAssertNil(json["error"], "\(json)")
            XCTAssertNotNil(json["text"])
        }
        for scan in setup.waiting { XCTAssertNil(sidecarJSON(scan), "\(scan) was not read before the stop") }
        XCTAssertEqual(try jobs(setup.harness, "done"), Self.maxInFlight)
        XCTAssertEqual(try jobs(setup.harness, "queued"), Self.scanCount - Self.maxInFlight, "the rest stay queued")
        XCTAssertEqual(try jobs(setup.harness, "running"), 0)
        let log = setup.harness.log()
        XCTAssertFalse(log.contains("grace time over"), "nothing was cancelled")
        XCTAssertEqual(setup.proxy.completedReads(), 1 + Self.maxInFlight)

        try restartAndCheckEachReadOnce(setup)
    }

    func testPastTheGraceTheReadsInFlightAreCancelledAndQueuedAgainThenReadOnceAfterTheRestart() throws {
        let setup = try startWithReadsHeld(graceS: 1)
        let stopped = Date()
        try sigterm(setup.harness)
        XCTAssertEqual(try setup.harness.stop(timeout: 60), 0)
        let stopS = Date().timeIntervalSince(stopped)

        let log = setup.harness.log()
        XCTAssertTrue(log.contains("grace time over: cancelling"), log)
        // Every read in flight reached its cancellation check: none was abandoned to the next start's requeue.
        XCTAssertFalse(log.contains("abandoning the scan being read"), String(log.suffix(4000)))
        print("remote stop: SIGTERM to exit with \(Self.maxInFlight) reads in flight and stop_grace_s = 1: \(String(format: "%.1f", stopS)) s")
        for scan in setup.scans { XCTAssertNil(sidecarJSON(scan), "no sidecar, no error sidecar: \(scan)") }
        XCTAssertEqual(try jobs(setup.harness, "queued"), Self.scanCount, "all queued again")
        XCTAssertEqual(try jobs(setup.harness, "running") + jobs(setup.harness, "failed"), 0)
        XCTAssertEqual(try Robustness.count(harness: setup.harness, documentsOf: setup.scans), 0, "nothing recorded")
        // A clean stop is not counted as an attempt (three of those would fail a scan as a crash loop).
        XCTAssertEqual(try Robustness.count(setup.harness, "SELECT max(attempts) FROM jobs WHERE path LIKE '%/scan-%'"), 0)

        try restartAndCheckEachReadOnce(setup)
    }
}

extension Robustness {
    /// Catalog documents (any state, any version) of these paths.
    static func count(harness: ServeHarness, documentsOf paths: [String]) throws -> Int {
        try count(harness, "SELECT count(*) FROM documents WHERE path IN (\(paths.map(sqlQuote).joined(separator: ",")))")
    }
}
