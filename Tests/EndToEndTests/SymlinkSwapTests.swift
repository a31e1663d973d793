import Foundation
import Glibc
import XCTest

/// Symlinks, for real (issue 10, item 8): a folder of the inbox is swapped for a link to a folder
/// outside, some 500 times a second, while its scans are rewritten. Every open of a scan and
/// every sidecar write is resolved below the inbox's descriptor without following a link, so the
/// outside folder — which holds files of the same names — is never read (no catalog row carries one
/// of their hashes) and never written (no sidecar, no temp file appears there), and the daemon stays
/// up. 5 s of swapping; `SCRAWL_LONG_TESTS=1`: 60 s. Run once more with the component-by-component
/// fallback (kernels without openat2, or a seccomp filter that refuses it).
final class SymlinkSwapTests: XCTestCase {
    func testAFolderSwappedForALinkOutsideIsNeverReadNorWrittenThrough() throws {
        try swapFolderWhileScansAreRewritten(environment: [:])
    }

    func testTheSameWithTheComponentWalkFallback() throws {
        try swapFolderWhileScansAreRewritten(environment: ["SCRAWL_NO_OPENAT2": "1"])
    }

    private func swapFolderWhileScansAreRewritten(environment: [String: String]) throws {
        let seconds: TimeInterval = Robustness.longRun ? 60 : 5
        // settle_ms = 0: a file is taken on the turn it is seen, so the intake hashes and the worker
        // reads while the swaps go on (with a settle time, every swap restarts the folder's clock).
        let harness = try ServeHarness(settleMs: 0)
        let folder = harness.inbox + "/swap", parked = harness.root + "/parked", outside = harness.root + "/outside"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("max_tokens = 2\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        let image = Array(try Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/tiny.png"))))
        let names = (0..<8).map { "page-\($0).png" }
        // Same-length tags: an outside file and its inside namesake have the same size, and each
        // rewrite gives the outside one the inside one's mtime, so the settle check (size, mtime by
        // name) passes whichever of the two the name leads to: the daemon reads during the swaps.
        let tag = { (side: String, name: String, version: Int) in "\(side)-\(name)-" + String(format: "%06d", version) }
        var outsideHashes: [String] = []
        for name in names {
            try Robustness.place(uniquePNG(image, tag: tag("outside", name, 0)), at: outside + "/" + name)
            outsideHashes.append(try sha256sum(outside + "/" + name))
            try Robustness.place(uniquePNG(image, tag: tag("inside_", name, 0)), at: folder + "/" + name)
        }
        try harness.start(environment: environment)
        try harness.waitFor("the first read", timeout: 60) { harness.log().contains("[Daemon] reading") }

        // The swapper: park the real folder, put a link to `outside` in its place, put it back, with
        // 1 ms between cycles (flat out, the monitor spends all its time on folder events and cancels
        // every queued job of the folder at each move: nothing would be read during the swaps). Every
        // 100 ms, while the folder is parked, all its scans are rewritten.
        let deadline = Date().addingTimeInterval(seconds)
        var cycles = 0, rewrites = 0, lastRewrite = Date.distantPast, failures: [String] = []
        while Date() < deadline {
            guard rename(folder, parked) == 0 else { failures.append("park: \(String(cString: strerror(errno)))"); break }
            if Date().timeIntervalSince(lastRewrite) > 0.1 {
                rewrites += 1
                lastRewrite = Date()
                for name in names {
                    try Robustness.place(uniquePNG(image, tag: tag("inside_", name, rewrites)), at: parked + "/" + name)
                    var info = stat()
                    guard lstat(parked + "/" + name, &info) == 0 else { failures.append("stat \(name)"); break }
                    var times = [info.st_atim, info.st_mtim]
                    guard utimensat(AT_FDCWD, outside + "/" + name, &times, 0) == 0 else { failures.append("utimensat \(name)"); break }
                }
            }
            guard symlink(outside, folder) == 0 else { failures.append("link: \(String(cString: strerror(errno)))"); break }
            guard unlink(folder) == 0 else { failures.append("unlink: \(String(cString: strerror(errno)))"); break }
            guard rename(parked, folder) == 0 else { failures.append("restore: \(String(cString: strerror(errno)))"); break }
            cycles += 1
            usleep(1000)  // the monitor takes the rewritten scans and the worker reads them between swaps
        }
        XCTAssertEqual(failures, [])
        let reads = try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE path LIKE \(Robustness.sqlQuote(folder + "/%"))")
        print("symlink swap: \(cycles) cycles, \(rewrites) rewrites of \(names.count) scans in \(seconds) s; \(reads) jobs so far")
        XCTAssertGreaterThanOrEqual(rewrites, Int(seconds / 0.5), "too few rewrites to prove anything")

        XCTAssertTrue(harness.isRunning, "the daemon died during the swaps")
        try Robustness.waitForEmptyQueue(harness, timeout: 300)
        XCTAssertTrue(harness.isRunning)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside).sorted(), names,
                       "a sidecar or a temp file was written into the folder outside the inbox")
        for (name, hash) in zip(names, outsideHashes) {
            XCTAssertEqual(try sha256sum(outside + "/" + name), hash, "\(name) outside was changed")
        }
        let quoted = outsideHashes.map(Robustness.sqlQuote).joined(separator: ", ")
        for table in ["jobs", "documents", "seen_files"] {
            let rows = try Robustness.query(harness, "SELECT path FROM \(table) WHERE sha256 IN (\(quoted))")
            XCTAssertEqual(rows.count, 0, "\(table) holds the hash of a file outside the inbox: \(rows)")
        }
        // The folder is back and the daemon works as before: one more version of each scan, written
        // with the folder in place, is read (a version whose read met the link stays refused).
        // (A rescan too: inotify events of the last swaps may have been handled while the name was the
        // link, leaving the folder unwatched until the next walk.)
        var settled: [String: String] = [:]
        for name in names {
            try Robustness.place(uniquePNG(image, tag: tag("settled", name, 0)), at: folder + "/" + name)
            settled[name] = try sha256sum(folder + "/" + name)
        }
        harness.requestRescanForTest()
        for name in names {
            let hash = try XCTUnwrap(settled[name])
            try harness.waitFor("the last version of \(name) to be read", timeout: 120) {
                try Robustness.count(harness, """
                    SELECT count(*) FROM documents WHERE path = \(Robustness.sqlQuote(folder + "/" + name)) AND sha256 = '\(hash)'
                    AND state = 'done' AND superseded_at IS NULL
                    """) == 1
            }
        }
        if let copy = ProcessInfo.processInfo.environment["SCRAWL_SWAP_DEBUG"] { try Data(harness.log().utf8).write(to: URL(fileURLWithPath: copy)) }
        XCTAssertEqual(try harness.stop(), 0)
    }
}
