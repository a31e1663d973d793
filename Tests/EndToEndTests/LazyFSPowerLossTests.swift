import Foundation
import Glibc
import XCTest

/// Power loss, not only kill -9 (issue 10, item 13): the inbox and the state directory are LazyFS
/// mounts, and each round ends with `kill -9`, LazyFS dropping every byte the daemon wrote but did
/// not fsync and a remount (no kernel page cache left to hide the loss) — a power cut at a random moment of queueing, reading, writing sidecars or committing.
/// After a restart every scan has exactly one live done document, a done job, complete sidecars that
/// agree with the catalog, and the catalog and its index pass SQLite's checks.
/// Runs when `SCRAWL_LAZYFS` names a LazyFS binary (scripts/lazyfs/build.sh) and FUSE is usable;
/// 4 power cuts, SCRAWL_LONG_TESTS=1: 20.
final class LazyFSPowerLossTests: XCTestCase {
    func testPowerCutsAtRandomMomentsLoseNoFinishedReadAndLeaveNothingHalfWritten() throws {
        guard let binary = LazyFSMount.binary else {
            throw XCTSkip("SCRAWL_LAZYFS is not set to a LazyFS binary (scripts/lazyfs/build.sh), or FUSE is not usable here")
        }
        let cuts = Robustness.longRun ? 20 : 4
        var rng = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["SCRAWL_CRASH_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970))
        print("LazyFSPowerLossTests: seed \(rng.seed) (SCRAWL_CRASH_SEED to replay), \(cuts) power cuts")
        let harness = try ServeHarness(settleMs: 50)
        let mounts = [try LazyFSMount(binary: binary, mountPoint: harness.inbox, backing: harness.root + "/disk/inbox",
                                      work: harness.root + "/lazyfs-inbox"),
                      try LazyFSMount(binary: binary, mountPoint: harness.stateDir, backing: harness.root + "/disk/state",
                                      work: harness.root + "/lazyfs-state")]
        defer { for mount in mounts { mount.unmount() } }
        // The mount really drops what is not synced (else this test proves nothing).
        let probe = harness.stateDir + "/probe"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o644)  // no fsync (Foundation's Data.write syncs)
        XCTAssertEqual(write(fd, "unsynced", 8), 8)
        close(fd)
        try mounts[1].powerCut()
        XCTAssertNotEqual(FileManager.default.contents(atPath: probe), Data("unsynced".utf8), "LazyFS kept unsynced bytes")
        try? FileManager.default.removeItem(atPath: probe)
        try LazyFSMount.placeDurably(Array("max_tokens = 12\n".utf8), at: harness.inbox + "/.scrawl.toml")
        let images = try ["tiny.png", "tall.png"].map { Array(try Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/" + $0)))) }

        var scans: [String] = []
        for cut in 0..<cuts {
            try harness.start()
            let batch = (0..<2).map { harness.inbox + "/cut\(cut)-scan\($0).png" }
            for (index, path) in batch.enumerated() {
                try LazyFSMount.placeDurably(uniquePNG(images[Int(rng.next() % 2)], tag: "c\(cut)-\(index)"), at: path)
            }
            scans += batch
            let deadline = Date().addingTimeInterval(30)
            let moment = cut % 3
            while Date() < deadline && harness.isRunning {
                let log = harness.log()
                let reached = moment == 0 ? batch.contains { logged(log, path: $0, event: "reading") }
                    : moment == 1 ? batch.contains { FileManager.default.fileExists(atPath: $0 + ".txt") }
                    : batch.contains { FileManager.default.fileExists(atPath: $0 + ".json") }
                if reached { break }
                usleep(500)
            }
            usleep(UInt32(rng.next() % 50_000))
            XCTAssertEqual(try harness.stop(signal: SIGKILL), SIGKILL, "cut \(cut): the daemon was still running")
            for mount in mounts { try mount.powerCut() }
        }

        try harness.start()
        try harness.waitFor("a sidecar for every scan", timeout: 300) { scans.allSatisfy { sidecarJSON($0) != nil } }
        try Robustness.waitForEmptyQueue(harness, timeout: 300)
        try Robustness.retryScansStoppedTooOften(harness)
        for scan in scans {
            let live = try Robustness.query(harness, """
                SELECT state, text FROM documents WHERE path = \(Robustness.sqlQuote(scan)) AND superseded_at IS NULL AND removed_at IS NULL
                """)
            XCTAssertEqual(live.map { $0["state"] as? String }, ["done"], "\(scan): one live done document")
            XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE path = \(Robustness.sqlQuote(scan)) AND state = 'done'"),
                           1, "\(scan): read to completion once")
            let json = try XCTUnwrap(sidecarJSON(scan), "\(scan).json is whole JSON")
            XCTAssertEqual((json["source"] as? [String: Any])?["sha256"] as? String, try sha256sum(scan), scan)
            XCTAssertEqual(json["text"] as? String, live.first?["text"] as? String, "\(scan): sidecar and catalog agree")
            XCTAssertEqual(try String(contentsOfFile: scan + ".txt", encoding: .utf8), (json["text"] as? String ?? "") + "\n", scan)
        }
        XCTAssertEqual(leftoverSidecarTemps(under: harness.inbox), [], "temp files left beside the scans")
        XCTAssertEqual(try harness.stop(), 0)
        let catalog = harness.stateDir + "/catalog.sqlite"
        XCTAssertEqual(try Robustness.run("/usr/bin/sqlite3", [catalog, "PRAGMA integrity_check"]).trimmingCharacters(in: .whitespacesAndNewlines), "ok")
        XCTAssertNoThrow(try Robustness.run("/usr/bin/sqlite3", [catalog, "INSERT INTO pages_fts(pages_fts) VALUES('integrity-check')"]))
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM pages_fts_docsize"), scans.count, "one index row per scan (a PNG is one page)")
    }
}
