import Foundation
import Glibc
import XCTest

/// `kill -9` at random moments — while files are being queued, mid-read, while sidecars are written,
/// around the index transaction — then a restart, many times over. Afterwards every scan has exactly
/// one live catalog document, one index row, complete sidecars, and no job is left running.
/// CI: 12 kills; SCRAWL_LONG_TESTS=1: 50.
final class CrashSafetyTests: XCTestCase {
    enum Phase: String, CaseIterable {
        case enqueue, midRead, sidecars, index
    }

    func testRandomSIGKILLsThenRestartLeaveEveryScanExactlyOnceAndComplete() throws {
        let kills = Robustness.longRun ? 50 : 12
        var rng = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["SCRAWL_CRASH_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970))
        print("CrashSafetyTests: seed \(rng.seed) (SCRAWL_CRASH_SEED to replay), \(kills) kills")
        let harness = try ServeHarness(settleMs: 50)
        try Data("max_tokens = 12\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        let images = try ["tiny.png", "tall.png"].map { Array(try Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/" + $0)))) }

        var scans: [String] = []
        var observed: [Phase: Int] = [:]
        var startedAt: [Date] = []
        for round in 0..<kills {
            try harness.start()
            startedAt.append(Date())
            let folder = harness.inbox + "/round-\(round)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let batch = (0..<3).map { folder + "/scan-\($0).png" }
            for (index, path) in batch.enumerated() {
                try Robustness.place(uniquePNG(images[Int(rng.next() % 2)], tag: "r\(round)-\(index)"), at: path)
            }
            scans += batch
            let phase = Phase.allCases[round % Phase.allCases.count]
            let deadline = Date().addingTimeInterval(30)
            func waitUntil(_ condition: () -> Bool) {
                while Date() < deadline && harness.isRunning && !condition() { usleep(500) }
            }
            switch phase {
            case .enqueue:
                usleep(UInt32(rng.next() % 150_000))
            case .midRead:
                waitUntil { batch.contains { logged(harness.log(), path: $0, event: "reading") } }
                usleep(UInt32(rng.next() % 80_000))
            case .sidecars:
                waitUntil { !leftoverSidecarTemps(under: folder).isEmpty || batch.contains { FileManager.default.fileExists(atPath: $0 + ".txt") } }
            case .index:
                waitUntil { batch.contains { FileManager.default.fileExists(atPath: $0 + ".json") } }
            }
            XCTAssertEqual(try harness.stop(signal: SIGKILL), SIGKILL, "round \(round): the daemon was still running when killed")
            // What the kill actually interrupted, from the evidence left behind.
            let log = harness.log()
            if batch.contains(where: { logged(log, path: $0, event: "queued") }) { observed[.enqueue, default: 0] += 1 }
            if batch.contains(where: { logged(log, path: $0, event: "reading") && !logged(log, path: $0, event: "read") }) {
                observed[.midRead, default: 0] += 1
            }
            if !leftoverSidecarTemps(under: folder).isEmpty
                || batch.contains(where: { FileManager.default.fileExists(atPath: $0 + ".txt") && !FileManager.default.fileExists(atPath: $0 + ".json") }) {
                observed[.sidecars, default: 0] += 1
            }
            if batch.contains(where: { FileManager.default.fileExists(atPath: $0 + ".json") && !logged(log, path: $0, event: "read") }) {
                observed[.index, default: 0] += 1
            }
        }
        print("CrashSafetyTests: kills that interrupted each phase: \(observed.map { "\($0.key.rawValue)=\($0.value)" }.sorted())")
        XCTAssertGreaterThan(observed[.midRead] ?? 0, 0, "no kill landed mid-read")

        // Restart and let it finish everything.
        try harness.start()
        try harness.waitFor("a sidecar for every scan", timeout: 300) { scans.allSatisfy { sidecarJSON($0) != nil } }
        try Robustness.waitForEmptyQueue(harness, timeout: 300)
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'running'"), 0)

        // A scan killed mid-read three times is failed on purpose (no crash loop); `scrawl retry --failed` reads it.
        let stoppedTooOften = try Robustness.query(harness, "SELECT path, error FROM documents WHERE state = 'failed' AND superseded_at IS NULL")
        for row in stoppedTooOften {
            XCTAssertTrue((row["error"] as? String ?? "").contains("scrawl stopped while reading this scan"), "unexpected failure: \(row)")
        }
        if !stoppedTooOften.isEmpty {
            print("CrashSafetyTests: \(stoppedTooOften.count) scan(s) failed after 3 interrupted reads; retrying them")
            XCTAssertEqual(try harness.scrawl(["retry", "--failed"]).status, 0)
            try harness.waitFor("the retried scans", timeout: 300) {
                try Robustness.count(harness, "SELECT count(*) FROM documents WHERE state = 'failed' AND superseded_at IS NULL") == 0
            }
            try Robustness.waitForEmptyQueue(harness, timeout: 300)
        }

        for scan in scans {
            let live = try Robustness.query(harness, """
                SELECT id, state, text FROM documents
                WHERE path = \(Robustness.sqlQuote(scan)) AND superseded_at IS NULL AND removed_at IS NULL
                """)
            XCTAssertEqual(live.count, 1, "\(scan): exactly one live document, found \(live)")
            XCTAssertEqual(live.first?["state"] as? String, "done", scan)
            let done = try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE path = \(Robustness.sqlQuote(scan)) AND state = 'done'")
            XCTAssertEqual(done, 1, "\(scan): read to completion exactly once")
            let json = try XCTUnwrap(sidecarJSON(scan), "\(scan).json is valid JSON")
            XCTAssertEqual((json["source"] as? [String: Any])?["sha256"] as? String, try sha256sum(scan), scan)
            let text = try XCTUnwrap(json["text"] as? String, "\(scan): \(json)")
            XCTAssertEqual(live.first?["text"] as? String, text, "\(scan): the catalog and the sidecar agree")
            XCTAssertEqual(try String(contentsOfFile: scan + ".txt", encoding: .utf8), text + "\n", "\(scan).txt is complete")
        }
        XCTAssertEqual(leftoverSidecarTemps(under: harness.inbox), [], "temp files left beside the scans")
        XCTAssertEqual(try harness.stop(), 0)

        // The index holds exactly the live documents: FTS5's own check, then one hit per scan for its text.
        XCTAssertNoThrow(try Robustness.run("/usr/bin/sqlite3", [harness.stateDir + "/catalog.sqlite",
                                                                  "INSERT INTO pages_fts(pages_fts) VALUES('integrity-check')"]))
        let indexed = try Robustness.count(harness, "SELECT count(*) FROM pages_fts")
        XCTAssertEqual(indexed, scans.count, "one index row per scan (each a one-page photo)")
        let rows = try Robustness.count(harness, "SELECT count(*) FROM pages_fts_docsize")
        XCTAssertEqual(rows, scans.count, "one FTS docsize row per scan (no stale index rows)")
    }

    /// A reused result is recorded in the catalog first and its sidecars written after: a kill between
    /// the two leaves a done document and no sidecars. The restart must write them.
    func testKillBetweenRecordingAReusedResultAndWritingItsSidecarsIsRepairedAtRestart() throws {
        let harness = try ServeHarness()
        try Data("max_tokens = 4\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        try harness.start()
        let original = try harness.drop("qwen2vl/images/tiny.png", as: "original.png")
        let text = try XCTUnwrap(try harness.sidecar(original)["text"] as? String)
        let copy = try harness.drop("qwen2vl/images/tiny.png", as: "copy.png")
        XCTAssertEqual(try harness.sidecar(copy)["reused"] as? Bool, true)
        XCTAssertEqual(try harness.stop(signal: SIGKILL), SIGKILL)
        // The state a kill right after the catalog commit leaves: the document, no sidecars (or only the .txt).
        try FileManager.default.removeItem(atPath: copy + ".json")
        try harness.start()
        let repaired = try harness.sidecar(copy, timeout: 30)
        XCTAssertEqual(repaired["reused"] as? Bool, true)
        XCTAssertEqual(repaired["text"] as? String, text)
        XCTAssertEqual((repaired["source"] as? [String: Any])?["path"] as? String, copy)
        XCTAssertEqual(try String(contentsOfFile: copy + ".txt", encoding: .utf8), text + "\n")
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs"), 1, "no model run for the repair")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testSIGTERMMidReadExitsZeroWithinTheUnitsTimeoutStopSec() throws {
        let unit = ServeHarness.fixtures.appendingPathComponent("../../systemd/scrawl.service").standardized.path
        let timeoutLine = try XCTUnwrap(try String(contentsOfFile: unit, encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("TimeoutStopSec=") }, "TimeoutStopSec in \(unit)")
        let timeoutStopSec = try XCTUnwrap(Double(timeoutLine.dropFirst("TimeoutStopSec=".count)), String(timeoutLine))
        // The default grace (10 s), as the unit runs it.
        let harness = try ServeHarness(daemonConfig: "stop_grace_s = 10")
        try Data("max_tokens = 1000\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/large.png", as: "slow.png")
        try harness.waitFor("the read to start", timeout: 60) { logged(harness.log(), path: scan, event: "reading") }
        let sent = Date()
        XCTAssertEqual(try harness.stop(timeout: timeoutStopSec), 0, "SIGTERM mid-read exits 0")
        let took = Date().timeIntervalSince(sent)
        print("CrashSafetyTests: SIGTERM mid-read → exit 0 after \(String(format: "%.2f", took)) s (TimeoutStopSec=\(Int(timeoutStopSec)))")
        XCTAssertLessThan(took, timeoutStopSec)
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'running'"), 0,
                       "an abandoned read goes back to the queue at stop")

        // Idle: a quick clean stop too.
        try harness.start()
        _ = try harness.sidecar(scan, timeout: 120)
        try Robustness.waitForEmptyQueue(harness, timeout: 60)
        let idleSent = Date()
        XCTAssertEqual(try harness.stop(timeout: timeoutStopSec), 0)
        print("CrashSafetyTests: SIGTERM idle → exit 0 after \(String(format: "%.2f", Date().timeIntervalSince(idleSent))) s")
    }
}

/// A small seeded generator, so a failing kill schedule can be replayed.
struct SplitMix64: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
