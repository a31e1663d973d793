import Foundation
import Glibc
import XCTest

/// `scrawl serve` against a real OpenAI-compatible server on loopback (transformers serve on the
/// tiny Qwen2-VL checkpoint), directly or behind the fault proxy. Skipped without the reference
/// Python (SCRAWL_REFERENCE_PYTHON); CI sets it and SCRAWL_REQUIRE_REMOTE_TESTS=1.
final class RemoteEngineEndToEndTests: XCTestCase {
    static let apiKey = "sk-scrawl-test-7d1f0c"

    /// A harness whose inbox reads with `[models.gpu]` at `url` (`key`: written to a file the config names).
    private func harness(url: String, key: String? = nil, maxInFlight: Int = 2, timeoutS: Int = 30,
                         maxTokens: Int = 24) throws -> ServeHarness {
        let harness = try ServeHarness.remote(url: url, maxInFlight: maxInFlight, timeoutS: timeoutS)
        var config = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            .replacingOccurrences(of: "max_tokens = 24", with: "max_tokens = \(maxTokens)")
        if let key { config += "\napi_key_file = \"\(try writeKey(key, in: harness))\"\n" }
        try Data(config.utf8).write(to: URL(fileURLWithPath: harness.configPath))
        return harness
    }

    @discardableResult
    private func writeKey(_ key: String, in harness: ServeHarness) throws -> String {
        let path = harness.root + "/gpu.key"
        try Data((key + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func edit(_ harness: ServeHarness, _ change: (String) -> String) throws {
        let config = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        try Data(change(config).utf8).write(to: URL(fileURLWithPath: harness.configPath))
    }

    /// Greedy text of the local engine for the same checkpoint, image, prompt and budget.
    private func localText(_ fixture: String, maxTokens: Int = 24) throws -> String {
        let (status, stdout, stderr) = try ServeHarness.run(["ocr", "--model", ServeHarness.checkpoint, "--greedy", "--json",
                                                              "--max-tokens", "\(maxTokens)", ServeHarness.fixture(fixture)])
        XCTAssertEqual(status, 0, stderr)
        let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(line["text"] as? String)
    }

    func testRemoteReadsLandLikeLocalOnesWithTheSameText() throws {
        let (_, proxy) = try startServerAndProxy(key: Self.apiKey)
        let harness = try harness(url: proxy.url, key: Self.apiKey)
        try harness.start()

        var texts: [String: String] = [:]
        for (fixture, name) in [("qwen2vl/images/tiny.png", "a.png"), ("qwen2vl/images/wide.jpg", "b.jpg"), ("qwen2vl/images/tall.png", "c.png")] {
            let scan = try harness.drop(fixture, as: name)
            let json = try harness.sidecar(scan, timeout: 120)
            XCTAssertNil(json["error"], "\(json)")
            let model = try XCTUnwrap(json["model"] as? [String: Any])
            XCTAssertEqual(model["endpoint"] as? String, proxy.url, "the sidecar names where it was read")
            XCTAssertEqual(model["name"] as? String, ServeHarness.checkpoint, "the server's model name")
            XCTAssertNil(model["checkpoint"])
            let text = try XCTUnwrap(json["text"] as? String)
            // Same checkpoint, same pixels (resized here to the same grid and budget), same prompt, greedy.
            XCTAssertEqual(text, try localText(fixture), "remote and local text for \(fixture)")
            texts[scan] = text
        }
        let (scan, text) = try XCTUnwrap(texts.first)
        let word = try XCTUnwrap(searchableWord(in: text), "no word to search for in \(text)")
        XCTAssertTrue(try harness.searchPaths(word).contains(scan))

        // The key is in no sidecar, no log line and no status output.
        let status = try harness.scrawl(["status", "--json"]).output
        for text in [harness.log(), status] + texts.keys.map({ (try? String(contentsOfFile: $0 + ".json", encoding: .utf8)) ?? "" }) {
            XCTAssertFalse(text.contains(Self.apiKey))
        }
        XCTAssertEqual(proxy.completedReads(), 3, "each scan sent once: \(proxy.requests())")
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testFailuresKeepScansQueuedWithOneLogLineDownAndOneBackAndReadEachOnce() throws {
        let (_, proxy) = try startServerAndProxy()
        let harness = try harness(url: proxy.url, maxInFlight: 1, timeoutS: 3)
        try harness.start()

        // A request the server refuses (400): that scan fails with the server's message.
        try proxy.queue(["status:400"])
        let refused = try harness.drop("qwen2vl/images/tiny.png", as: "refused.png")
        let refusedJSON = try harness.sidecar(refused, timeout: 60)
        XCTAssertTrue((refusedJSON["error"] as? String ?? "").contains("injected 400"), "\(refusedJSON)")

        // 500, 429, a stream cut half-way, a stream stalled past timeout_s: the scans wait and are read after.
        try proxy.queue(["status:500", "status:429", "cut", "stall:10"])
        let scans = try ["one.png", "two.png", "three.png"].enumerated().map { index, name in
            try harness.drop(index == 1 ? "qwen2vl/images/wide.jpg" : "qwen2vl/images/tall.png", as: name)
        }
        // Distinct bytes: one.png and three.png are the same image, so make three.png unique.
        let tall = try [UInt8](Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/tall.png"))))
        try Robustness.place(uniquePNG(tall, tag: "three"), at: scans[2])
        try harness.waitFor("the endpoint-down problem in status", timeout: 60) {
            let problems = try Robustness.status(harness)["problems"] as? [[String: Any]] ?? []
            return problems.contains { ($0["message"] as? String ?? "").contains("endpoint down") }
        }
        for scan in scans {
            let json = try harness.sidecar(scan, timeout: 180)
            XCTAssertNil(json["error"], "\(scan): \(json)")
            XCTAssertNotNil(json["text"])
        }
        XCTAssertTrue(harness.isRunning)
        let log = harness.log()
        let downLines = log.split(separator: "\n").filter { $0.contains("waiting for the model") && !$0.contains("debug") }
        XCTAssertEqual(downLines.count, 1, "one line when the endpoint goes down:\n\(downLines.joined(separator: "\n"))")
        XCTAssertEqual(log.components(separatedBy: "answers again").count - 1, 1, "one line when it is back")
        let problems = try Robustness.status(harness)["problems"] as? [[String: Any]] ?? []
        XCTAssertTrue(problems.isEmpty, "the problem is cleared once reads work: \(problems)")

        // Nothing lost, nothing read twice: one current document per scan, each read through once.
        try Robustness.waitForEmptyQueue(harness, timeout: 30)
        for scan in scans + [refused] {
            XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) AS n FROM documents WHERE path = \(Robustness.sqlQuote(scan))"),
                           1, scan)
        }
        XCTAssertEqual(proxy.completedReads(), 3, "\(proxy.requests())")
        // Every fault was met, and each was told apart (the later tries log at debug level).
        let faults = proxy.requests().compactMap { $0["fault"] as? String }
        for fault in ["status:400", "status:500", "status:429", "cut", "stall:10"] { XCTAssertTrue(faults.contains(fault), "\(faults)") }
        for said in ["answers 500", "answers 429", "closed the stream after", "sent nothing for 3 s"] {
            XCTAssertTrue(log.contains(said), "the log names \(said): "
                          + log.split(separator: "\n").filter { $0.contains("waiting for the model") }.joined(separator: "\n"))
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testWrongKeyAndWrongModelWaitThenServerKilledMidStreamAndRestartedLater() throws {
        let (server, proxy) = try startServerAndProxy(key: Self.apiKey)

        // A wrong API key: the scan waits (never failed), status says why, the daemon runs on.
        let harness = try harness(url: proxy.url, key: "sk-wrong")
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "note.png")
        try harness.waitFor("the key problem in status", timeout: 120) {
            let problems = try Robustness.status(harness)["problems"] as? [[String: Any]] ?? []
            return problems.contains { ($0["message"] as? String ?? "").contains("refuses the API key") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scan + ".json"))
        XCTAssertFalse(harness.log().contains("sk-wrong"))
        XCTAssertEqual(try harness.stop(), 0)

        // The right key, but a model the server cannot load: still waiting, not failed.
        try writeKey(Self.apiKey, in: harness)
        try edit(harness) { $0.replacingOccurrences(of: "model = \"\(ServeHarness.checkpoint)\"", with: "model = \"/no/such/model\"") }
        try harness.start()
        try harness.waitFor("the model problem in status", timeout: 120) {
            let problems = try Robustness.status(harness)["problems"] as? [[String: Any]] ?? []
            return problems.contains { ($0["message"] as? String ?? "").contains("answers 500") }
        }
        try harness.waitFor("the /models check", timeout: 60) { harness.log().contains("does not list model '/no/such/model'") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scan + ".json"))
        XCTAssertEqual(try harness.stop(), 0)

        // The right model: the server is killed mid-stream and restarted later; the scan is read then,
        // once. The proxy holds the stream after its first content event until the server is gone, so
        // the kill lands mid-stream however fast or loaded the machine is (a timed kill did not).
        try edit(harness) { $0.replacingOccurrences(of: "model = \"/no/such/model\"", with: "model = \"\(ServeHarness.checkpoint)\"") }
        try proxy.queue(["hold"])
        try harness.start()
        try proxy.waitForHeld(1, harness: harness)
        server.kill()
        // The proxy sees the server gone and closes the stream without its end; the daemon's next
        // tries meet a server that is down. The scan waits: no sidecar, no failed job.
        try harness.waitFor("the cut stream, then the endpoint down", timeout: 120) {
            let log = harness.log()
            return log.contains("closed the stream after") && log.contains("answers 502")
        }
        XCTAssertEqual(proxy.requests().first { $0["outcome"] != nil }?["outcome"] as? String, "upstream gone", "\(proxy.requests())")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scan + ".json"),
                       "a cut read leaves no sidecar: \(sidecarJSON(scan) ?? [:])\n\(harness.log().suffix(3000))")
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM documents"), 0, "nothing recorded for a cut read")
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'failed'"), 0)

        try server.start(timeout: 300)
        let json = try harness.sidecar(scan, timeout: 420)
        XCTAssertNil(json["error"], "\(json)")
        XCTAssertTrue(harness.isRunning)
        try assertEachReadOnce([scan], harness: harness)
        XCTAssertEqual(proxy.completedReads(), 1, "one whole stream reached the daemon: \(proxy.requests())")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
