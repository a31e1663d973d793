import Foundation
import XCTest

/// Environment errors pause, they do not fail scans (issue 10, item 5).
final class EnvironmentPauseTests: XCTestCase {
    /// A fresh install: the model is not pulled yet when the first scans arrive. They wait in the
    /// queue (no error sidecar, nothing failed, `scrawl status` says why) and are read once the
    /// checkpoint is there, with no `scrawl retry`.
    func testScansWaitForAModelThatIsNotThereYetAndAreReadWhenItArrives() throws {
        let harness = try ServeHarness()
        let later = harness.root + "/models/qwen-later"
        let config = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            .replacingOccurrences(of: "qwen = \"\(ServeHarness.checkpoint)\"", with: "qwen = \"\(later)\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: harness.configPath))
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "first.png")
        try harness.waitFor("the worker to wait for the model (or fail the scan)", timeout: 30) {
            try harness.log().contains("waiting for the model, the scan stays queued")
                || Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'failed'") > 0
        }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scan + ".json"), "no error sidecar for a model not pulled yet")
        let waiting = try Robustness.status(harness)
        XCTAssertEqual((waiting["jobs"] as? [String: Int])?["failed"], 0)
        XCTAssertEqual((waiting["jobs"] as? [String: Int])?["queued"], 1)
        let problems = waiting["problems"] as? [[String: Any]] ?? []
        XCTAssertEqual(problems.first?["source"] as? String, "model qwen", "\(waiting)")
        XCTAssertTrue((problems.first?["message"] as? String ?? "").contains("model not found at \(later)"), "\(problems)")
        let (_, text) = try harness.scrawl(["status"])
        XCTAssertTrue(text.contains("waiting (model qwen"), text)

        try FileManager.default.createDirectory(atPath: harness.root + "/models", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ServeHarness.checkpoint, toPath: later)
        XCTAssertNotNil(try harness.sidecar(scan, timeout: 60)["text"] as? String)
        XCTAssertEqual(try Robustness.currentDocument(harness, path: scan)?["state"] as? String, "done")
        XCTAssertEqual((try Robustness.status(harness)["problems"] as? [Any])?.count, 0, "the problem is cleared")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// The sidecar folder is full, then read-only (a forgotten `ReadWritePaths=` looks the same): no
    /// model run is burnt and nothing fails; the scan waits, and is read once there is room again.
    func testAFullOrReadOnlySidecarFolderPausesAndTheScanIsReadWhenItIsWritable() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-mount-\(UUID().uuidString)").path
        let sidecars = base + "/sidecars"
        try FileManager.default.createDirectory(atPath: sidecars, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        guard (try? Robustness.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", sidecars])) != nil else {
            throw XCTSkip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
        }
        defer { _ = try? Robustness.run("/bin/umount", [sidecars]) }
        // Full to the last block.
        let filler = try FileHandle(forWritingTo: URL(fileURLWithPath: sidecars + "/filler").creatingFile())
        while (try? filler.write(contentsOf: Data(count: 4096))) != nil {}
        try? filler.close()
        let harness = try ServeHarness(extraConfig: "sidecar_dir = \"\(sidecars)\"")
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "page.png")
        try harness.waitFor("the worker to pause on the full folder (or fail the scan)", timeout: 30) {
            try harness.log().contains("paused, the scan waits in the queue")
                || Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'failed'") > 0
        }
        var status = try Robustness.status(harness)
        XCTAssertEqual((status["jobs"] as? [String: Int])?["failed"], 0, "\(status)")
        XCTAssertEqual((status["jobs"] as? [String: Int])?["queued"], 1, "\(status)")
        let problem = (status["problems"] as? [[String: Any]])?.first
        XCTAssertEqual(problem?["source"] as? String, "worker", "\(status)")
        XCTAssertTrue((problem?["message"] as? String ?? "").contains("KiB free"), "\(status)")
        XCTAssertFalse(harness.log().contains("model loaded"), "no model run is burnt on a scan that cannot be recorded")

        try FileManager.default.removeItem(atPath: sidecars + "/filler")
        try Robustness.run("/bin/mount", ["-o", "remount,size=64m,ro", sidecars])
        try harness.waitFor("the read-only folder to be the reason", timeout: 30) {
            let problems = try Robustness.status(harness)["problems"] as? [[String: Any]] ?? []
            return (problems.first?["message"] as? String ?? "").contains("read-only file system")
        }
        try Robustness.run("/bin/mount", ["-o", "remount,rw", sidecars])
        XCTAssertNotNil(try harness.sidecar(sidecars + "/page.png", timeout: 120)["text"] as? String)
        status = try Robustness.status(harness)
        XCTAssertEqual((status["jobs"] as? [String: Int])?["done"], 1, "\(status)")
        XCTAssertEqual((status["problems"] as? [Any])?.count, 0, "\(status)")
        XCTAssertEqual(try harness.stop(), 0)
        _ = scan
    }
}

private extension URL {
    func creatingFile() -> URL {
        FileManager.default.createFile(atPath: path, contents: nil)
        return self
    }
}
