import Foundation
import Glibc
import XCTest

/// Thousands of scans appear at once while the daemon is frozen, so the inotify queue (16,384 events)
/// overflows; the rescan must still queue every file exactly once. While the queue drains, memory
/// stays bounded and `scrawl search` keeps answering. CI: 1,000 scans; SCRAWL_LONG_TESTS=1: 10,000.
///
/// The mix keeps the run short with the tiny model: most files are copies of a scan read before
/// (reused at intake: catalog write, FTS row, two sidecars, no model), some are text files named
/// .jpg (queued; the worker fails them), some are distinct images (queued; the model reads them).
final class LoadTests: XCTestCase {
    func testScansAppearingAtOnceOverflowInotifyAndAreEachTakenOnceWhileSearchAnswers() throws {
        let total = Robustness.longRun ? 10_000 : 1_000
        let harness = try ServeHarness(settleMs: 200)
        try Data("max_tokens = 1\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        for folder in 0..<20 {  // made before the start, so the first rescan watches them all
            try FileManager.default.createDirectory(atPath: harness.inbox + "/load/\(folder)", withIntermediateDirectories: true)
        }
        try harness.start()
        let pid = try XCTUnwrap(harness.process?.processIdentifier)
        let tiny = Array(try Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/tiny.png"))))
        let seedBytes = uniquePNG(tiny, tag: "seed")
        let seed = harness.inbox + "/seed.png"
        try Robustness.place(seedBytes, at: seed)
        let seedText = try XCTUnwrap(try harness.sidecar(seed)["text"] as? String)
        let word = try XCTUnwrap(searchableWord(in: seedText), "no word to search for in \(seedText)")
        let idleKiB = Robustness.residentKiB(pid)

        // The files: 1 in 50 a distinct image, 1 in 12 junk named .jpg, the rest copies of the seed.
        var files: [(path: String, bytes: [UInt8], kind: String)] = []
        for index in 0..<total {
            let folder = harness.inbox + "/load/\(index % 20)"
            if index % 50 == 0 {
                files.append((folder + "/image-\(index).png", uniquePNG(tiny, tag: "load\(index)"), "image"))
            } else if index % 12 == 0 {
                files.append((folder + "/junk-\(index).jpg", Array("junk \(index)\n".utf8), "junk"))
            } else {
                files.append((folder + "/copy-\(index).png", seedBytes, "copy"))
            }
        }

        // Frozen daemon; each file written in rounds of appends (one IN_CLOSE_WRITE per round, interleaved
        // so the kernel cannot merge them) until the events outnumber the queue.
        let rounds = max(1, 17_000 / total + 1)
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        let written = Date()
        for round in 0..<rounds {
            for file in files {
                let chunk = (file.bytes.count + rounds - 1) / rounds
                let start = min(file.bytes.count, round * chunk), end = min(file.bytes.count, start + chunk)
                let fd = open(file.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else { kill(pid, SIGCONT); throw HarnessError("cannot create \(file.path)") }
                if end > start { _ = file.bytes[start..<end].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
                close(fd)
            }
        }
        let writeSeconds = Date().timeIntervalSince(written)
        XCTAssertEqual(kill(pid, SIGCONT), 0)
        let resumed = Date()

        // Drain: sample memory, search, and watch the catalog catch up.
        let underLoad = "path LIKE \(Robustness.sqlQuote(harness.inbox + "/load/%"))"
        var peakKiB = 0, searchMs: [Double] = [], allKnownAfter: Double?, drainedAfter: Double?
        var samples: [(seconds: Double, kib: Int)] = []
        let deadline = Date().addingTimeInterval(Robustness.longRun ? 1800 : 400)
        while Date() < deadline {
            XCTAssertTrue(harness.isRunning, "the daemon died:\n\(harness.log().suffix(4000))")
            let kib = Robustness.residentKiB(pid)
            peakKiB = max(peakKiB, kib)
            samples.append((Date().timeIntervalSince(resumed), kib))
            let asked = Date()
            let (status, output) = try harness.scrawl(["search", word, "--limit", "5", "--json"])
            searchMs.append(Date().timeIntervalSince(asked) * 1000)
            XCTAssertEqual(status, 0, "search during the drain: \(output)")
            if allKnownAfter == nil {
                let known = try Robustness.count(harness, "SELECT count(*) FROM (SELECT path FROM jobs WHERE \(underLoad) UNION SELECT path FROM documents WHERE \(underLoad))")
                if known == total { allKnownAfter = Date().timeIntervalSince(resumed) }
            } else {
                let current = try Robustness.count(harness, "SELECT count(*) FROM documents WHERE superseded_at IS NULL AND \(underLoad)")
                let pending = try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state IN ('queued','running')")
                if current == total && pending == 0 {
                    drainedAfter = Date().timeIntervalSince(resumed)
                    break
                }
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let enqueueSeconds = try XCTUnwrap(allKnownAfter, "not every file reached the catalog")
        let drainSeconds = try XCTUnwrap(drainedAfter, "the queue did not drain")

        XCTAssertTrue(harness.log().contains("inotify queue overflowed"), "the test meant to overflow the inotify queue")
        // Each file taken once: one job at most per path, one current document per path, of the right kind.
        let queuedTwice = try Robustness.query(harness, "SELECT path, count(*) AS n FROM jobs WHERE \(underLoad) GROUP BY path HAVING n > 1")
        XCTAssertTrue(queuedTwice.isEmpty, "queued twice: \(queuedTwice.prefix(5))")
        XCTAssertEqual(try Robustness.query(harness, """
            SELECT path, count(*) AS n FROM documents WHERE \(underLoad) GROUP BY path HAVING n > 1
            """).count, 0, "a path read twice")
        let states = try Robustness.query(harness, "SELECT path, state, reused_from FROM documents WHERE superseded_at IS NULL AND \(underLoad)")
        var byPath: [String: [String: Any]] = [:]
        for row in states { if let path = row["path"] as? String { byPath[path] = row } }
        XCTAssertEqual(byPath.count, total)
        for file in files {
            let row = byPath[file.path]
            switch file.kind {
            case "copy":
                XCTAssertEqual(row?["state"] as? String, "done", file.path)
                XCTAssertNotNil(row?["reused_from"] as? Int, "\(file.path): a copy is reused, not read again")
            case "junk": XCTAssertEqual(row?["state"] as? String, "failed", file.path)
            default: XCTAssertEqual(row?["state"] as? String, "done", file.path)
            }
            XCTAssertNotNil(sidecarJSON(file.path), "\(file.path): a sidecar")
        }
        let searchable = try Robustness.status(harness)["searchable"] as? Int
        XCTAssertEqual(searchable, 1 + files.filter { $0.kind != "junk" }.count)

        // Memory: bounded while draining — no growth with the number of files taken.
        let settledKiB = samples.filter { $0.seconds > 0.25 * drainSeconds }.map(\.kib)
        let growth = (settledKiB.max() ?? 0) - (settledKiB.first ?? 0)
        XCTAssertLessThan(peakKiB, 2 << 20, "peak RSS \(peakKiB) KiB")
        XCTAssertLessThan(growth, 256 << 10, "RSS grew by \(growth) KiB over the last three quarters of the drain")

        let sorted = searchMs.sorted()
        let figure = { (q: Double) in sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        print(String(format: "LoadTests: %d files (%d images, %d junk, %d copies), %d rounds of appends written in %.1f s; "
                     + "all in the catalog %.1f s after resume, drained after %.1f s (%.0f files/s); RSS idle %d KiB, peak %d KiB, "
                     + "growth after the first quarter %d KiB; search while draining (process start included): %d runs, "
                     + "median %.0f ms, p95 %.0f ms, max %.0f ms",
                     total, files.filter { $0.kind == "image" }.count, files.filter { $0.kind == "junk" }.count,
                     files.filter { $0.kind == "copy" }.count, rounds, writeSeconds, enqueueSeconds, drainSeconds,
                     Double(total) / drainSeconds, idleKiB, peakKiB, growth, sorted.count, figure(0.5), figure(0.95), sorted.last ?? 0))
        XCTAssertEqual(try harness.stop(), 0)
    }
}
