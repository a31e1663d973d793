import Foundation
import XCTest

/// The real `scrawl serve` binary, real inotify, real SQLite, the real engine on the tiny checkpoint.
final class ServeEndToEndTests: XCTestCase {
    func testReadSearchReuseRemoveChangeJunkTagAndCleanStop() throws {
        let harness = try ServeHarness()
        try harness.start()

        // A scan renamed into place → sidecars with the documented JSON.
        let note = try harness.drop("qwen2vl/images/tiny.png", as: "note.png")
        let json = try harness.sidecar(note)
        XCTAssertEqual(json["schema"] as? Int, 2)
        XCTAssertNil(json["error"], "\(json)")
        let text = try XCTUnwrap(json["text"] as? String)
        // Schema 2: a photo is one page, and the schema-1 fields say what they said before.
        XCTAssertEqual(json["page_count"] as? Int, 1)
        let pages = try XCTUnwrap(json["pages"] as? [[String: Any]])
        XCTAssertEqual(pages.count, 1)
        XCTAssertEqual(pages.first?["number"] as? Int, 1)
        XCTAssertEqual(pages.first?["text"] as? String, text)
        XCTAssertEqual(pages.first?["tokens"] as? Int, json["tokens"] as? Int)
        XCTAssertEqual(pages.first?["origin"] as? String, "model")
        XCTAssertEqual(try String(contentsOfFile: note + ".txt", encoding: .utf8), text + "\n")
        let source = try XCTUnwrap(json["source"] as? [String: Any])
        XCTAssertEqual(source["path"] as? String, note)
        XCTAssertEqual(source["sha256"] as? String, try sha256sum(note))
        XCTAssertEqual(source["format"] as? String, "png")
        XCTAssertGreaterThan(source["width"] as? Int ?? 0, 0)
        let model = try XCTUnwrap(json["model"] as? [String: Any])
        XCTAssertEqual(model["name"] as? String, "qwen2-vl")
        XCTAssertEqual(model["checkpoint"] as? String, ServeHarness.checkpoint)
        XCTAssertEqual(model["config_sha256"] as? String, try sha256sum(ServeHarness.checkpoint + "/config.json"))
        XCTAssertEqual(json["prompt"] as? String, "OCR the Image")
        XCTAssertTrue(["eos", "max_tokens", "loop"].contains(json["finish_reason"] as? String ?? ""), "\(json)")
        XCTAssertLessThanOrEqual(json["tokens"] as? Int ?? 99, 24, "max_tokens from the config")
        let timings = try XCTUnwrap(json["timings_ms"] as? [String: Double])
        XCTAssertTrue(Set(timings.keys).isSuperset(of: ["decode_image", "vision", "prefill", "generate", "total"]), "\(timings)")
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: note + ".json")[.posixPermissions] as? Int)
        XCTAssertEqual(mode & 0o037, 0, "no wider than 0640: \(String(mode, radix: 8))")

        // Search finds it by a word of its text.
        let word = try XCTUnwrap(searchableWord(in: text), "the tiny model's text has no word to search for: \(text)")
        XCTAssertEqual(try harness.searchPaths(word), [note])

        // The same bytes at another path: reused, the model does not run again.
        let copy = try harness.drop("qwen2vl/images/tiny.png", as: "copies/note-copy.png")
        let copyJSON = try harness.sidecar(copy)
        XCTAssertEqual(copyJSON["reused"] as? Bool, true)
        XCTAssertEqual(copyJSON["text"] as? String, text)
        XCTAssertFalse(harness.log().contains("path=\(copy) [Daemon] reading"), "no model run for the copy")
        XCTAssertTrue(harness.log().contains("path=\(copy)"))
        XCTAssertEqual(Set(try harness.searchPaths(word)), [note, copy])

        // Deleting the scan takes it out of search; the copy stays.
        try FileManager.default.removeItem(atPath: note)
        try harness.waitFor("the deleted scan to leave search", timeout: 10) { try harness.searchPaths(word) == [copy] }

        // New bytes at a known path: a new version replaces the old one.
        let page = try harness.drop("qwen2vl/images/wide.jpg", as: "page.jpg")
        let first = try harness.sidecar(page)
        let firstSHA = (first["source"] as? [String: Any])?["sha256"] as? String
        try harness.drop("qwen2vl/images/tall.png", as: "page.jpg")
        let second = try harness.sidecar(page) { ($0["source"] as? [String: Any])?["sha256"] as? String != firstSHA }
        XCTAssertEqual((second["source"] as? [String: Any])?["sha256"] as? String, try sha256sum(page))
        XCTAssertEqual((second["source"] as? [String: Any])?["format"] as? String, "png", "format from the bytes, not the .jpg name")

        // A damaged scan: an error sidecar, no text, and the daemon goes on.
        let junk = try harness.drop("imaging/decode/bitflip.jpg", as: "junk.jpg")
        let junkJSON = try harness.sidecar(junk)
        XCTAssertTrue((junkJSON["error"] as? String ?? "").contains(junk), "\(junkJSON)")
        XCTAssertNil(junkJSON["text"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: junk + ".txt"))
        XCTAssertTrue(harness.isRunning)

        // A tagged folder: its prompt reaches the model and the sidecar; the tag is read without a restart.
        try FileManager.default.createDirectory(atPath: harness.inbox + "/letters", withIntermediateDirectories: true)
        try Data("prompt = \"Transcribe this letter\"\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/letters/.scrawl.toml"))
        let letter = try harness.drop("qwen2vl/images/tall.png", as: "letters/letter.png")
        let letterJSON = try harness.sidecar(letter)
        XCTAssertEqual(letterJSON["prompt"] as? String, "Transcribe this letter")
        XCTAssertNil(letterJSON["reused"], "same bytes but another prompt: read again, not reused")

        // A folder tagged for Aya Vision: read by the Aya engine (one model resident: qwen is unloaded first).
        try FileManager.default.createDirectory(atPath: harness.inbox + "/aya", withIntermediateDirectories: true)
        try Data("model = \"aya\"\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/aya/.scrawl.toml"))
        let ayaScan = try harness.drop("qwen2vl/images/wide.jpg", as: "aya/page.jpg")
        let ayaJSON = try harness.sidecar(ayaScan)
        XCTAssertNil(ayaJSON["error"], "\(ayaJSON)")
        XCTAssertEqual((ayaJSON["model"] as? [String: Any])?["name"] as? String, "aya-vision")
        XCTAssertEqual((ayaJSON["model"] as? [String: Any])?["checkpoint"] as? String, ServeHarness.ayaCheckpoint)
        XCTAssertNotNil(ayaJSON["text"] as? String)

        // SIGTERM: a clean exit 0.
        XCTAssertEqual(try harness.stop(), 0)
        XCTAssertTrue(harness.log().contains("] stopped"), harness.log())
    }

    func testKillNineMidRunThenRestartGivesExactlyOneDocument() throws {
        let harness = try ServeHarness()
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/large.png", as: "big.png")
        try harness.waitFor("the read to start", timeout: 30) { harness.log().contains("path=\(scan) [Daemon] reading") }
        XCTAssertEqual(try harness.stop(signal: SIGKILL), SIGKILL)
        let interrupted = !harness.log().contains("path=\(scan) sidecar=")

        try harness.start()
        let json = try harness.sidecar(scan, timeout: 120)
        let text = try XCTUnwrap(json["text"] as? String)
        if interrupted {
            XCTAssertTrue(harness.log().contains("left running by an earlier process are queued again"), harness.log())
        }
        if let word = searchableWord(in: text) {
            XCTAssertEqual(try harness.searchPaths(word), [scan], "exactly one document for the scan")
        }
        let status = try harness.scrawl(["status", "--json"])
        XCTAssertEqual(status.status, 0)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])
        XCTAssertEqual(object["searchable"] as? Int, 1, status.output)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testSIGTERMMidRunExitsZeroAndTheScanIsReadAfterRestart() throws {
        let harness = try ServeHarness(daemonConfig: "stop_grace_s = 0")
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/large.png", as: "big.png")
        try harness.waitFor("the read to start", timeout: 30) { harness.log().contains("path=\(scan) [Daemon] reading") }
        XCTAssertEqual(try harness.stop(), 0, "SIGTERM exits 0 even while a scan is being read")
        let abandoned = harness.log().contains("abandoning the scan being read")
        if !abandoned {
            XCTAssertTrue(FileManager.default.fileExists(atPath: scan + ".json"), "not abandoned, so the read finished:\n\(harness.log())")
        }

        try harness.start()
        let json = try harness.sidecar(scan, timeout: 120)
        XCTAssertNotNil(json["text"] as? String)
        let status = try harness.scrawl(["status", "--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any])
        XCTAssertEqual(object["searchable"] as? Int, 1, status.output)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testSecondDaemonOnTheSameStateDirIsRefused() throws {
        let harness = try ServeHarness()
        try harness.start()
        let second = try harness.scrawl(["serve"])
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(harness.isRunning)
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testConfigErrorExits78NamingFileAndLine() throws {
        let harness = try ServeHarness(extraConfig: "promt = \"typo\"")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServeHarness.binary())
        process.arguments = ["serve", "--config", harness.configPath]
        let pipe = Pipe()
        process.standardError = pipe
        try process.run()
        let message = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 78)
        let lineNumber = try XCTUnwrap(try String(contentsOfFile: harness.configPath, encoding: .utf8)
            .components(separatedBy: "\n").firstIndex { $0.hasPrefix("promt") }) + 1
        XCTAssertTrue(message.contains("\(harness.configPath):\(lineNumber): unknown key 'inbox[1].promt'"), message)
    }
}
