import Foundation
import XCTest

/// "Queued jobs for the loaded model go first" (issue 10, item 6): a queue that alternates qwen and
/// aya scans is read model by model — two model loads, not one per scan.
final class ModelOrderTests: XCTestCase {
    func testAMixedQueueLoadsEachModelOnce() throws {
        let harness = try ServeHarness()
        for (folder, tag) in [("slow", "max_tokens = 1000\n"), ("aya", "model = \"aya\"\nmax_tokens = 2\n")] {
            try FileManager.default.createDirectory(atPath: harness.inbox + "/" + folder, withIntermediateDirectories: true)
            try Data(tag.utf8).write(to: URL(fileURLWithPath: harness.inbox + "/\(folder)/.scrawl.toml"))
        }
        try Data("max_tokens = 2\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        try harness.start()
        // A long qwen read (large.png loops for ~300 tokens) keeps the worker busy while a, q, a are queued.
        let first = try harness.drop("qwen2vl/images/large.png", as: "slow/first.png")
        try harness.waitFor("the first read", timeout: 60) { logged(harness.log(), path: first, event: "reading") }
        let tiny = Array(try Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/tiny.png"))))
        var scans = [first]
        for (index, relative) in ["aya/a1.png", "q2.png", "aya/a3.png"].enumerated() {
            let path = harness.inbox + "/" + relative
            try Robustness.place(uniquePNG(tiny, tag: "order\(index)"), at: path)
            try harness.waitFor("\(relative) to be queued", timeout: 30) { logged(harness.log(), path: path, event: "queued") }
            scans.append(path)
        }
        XCTAssertFalse(logged(harness.log(), path: first, event: "read"), "the first read ended before the queue was mixed; the case proves nothing")
        for scan in scans { XCTAssertNil(try harness.sidecar(scan, timeout: 300)["error"], scan) }
        let loads = harness.log().components(separatedBy: "[Daemon] model loaded").count - 1
        XCTAssertEqual(loads, 2, "q (reading), then a, q, a queued: qwen's q2 goes before the aya scans, so each model loads once")
        let readOrder = harness.log().split(separator: "\n").filter { $0.hasSuffix("[Daemon] reading") }
            .compactMap { line in scans.first { line.contains("path=\($0) ") } }
        XCTAssertEqual(readOrder, [scans[0], scans[2], scans[1], scans[3]])
        XCTAssertEqual(try harness.stop(), 0)
    }
}
