import Foundation
import XCTest
@testable import Daemon

final class SidecarTests: XCTestCase {
    func testPathsBesideTheScanOrMirroredBelowSidecarDir() {
        let beside = SidecarPaths(scan: "/in/a/note.jpg", inbox: InboxConfig(path: "/in"))
        XCTAssertEqual(beside, SidecarPaths(text: "/in/a/note.jpg.txt", json: "/in/a/note.jpg.json"))
        let mirrored = SidecarPaths(scan: "/in/a/note.jpg", inbox: InboxConfig(path: "/in", sidecarDir: "/text"))
        XCTAssertEqual(mirrored, SidecarPaths(text: "/text/a/note.jpg.txt", json: "/text/a/note.jpg.json"))
    }

    func testModeIsTheScansAndNoWiderThan0640() {
        XCTAssertEqual(SidecarWriter.mode(forScanMode: 0o644), 0o640)
        XCTAssertEqual(SidecarWriter.mode(forScanMode: 0o666), 0o640)
        XCTAssertEqual(SidecarWriter.mode(forScanMode: 0o600), 0o600)
        XCTAssertEqual(SidecarWriter.mode(forScanMode: 0o400), 0o600)
        XCTAssertEqual(SidecarWriter.mode(forScanMode: 0o755), 0o640)
    }

    func testWriteIsAtomicWithModeAndLeavesNoTempFiles() throws {
        let dir = try TemporaryDirectory()
        let paths = SidecarPaths(text: dir.resolved + "/deep/er/n.jpg.txt", json: dir.resolved + "/deep/er/n.jpg.json")
        let document = sampleDocument(text: "Dear Anna,\nthe train is late.")
        let json = try SidecarSet.write(document, to: paths, scanMode: 0o664)
        XCTAssertEqual(try String(contentsOfFile: paths.text, encoding: .utf8), "Dear Anna,\nthe train is late.\n")
        XCTAssertEqual(try String(contentsOfFile: paths.json, encoding: .utf8), json)
        for path in [paths.text, paths.json] {
            XCTAssertEqual(FileStatus.lstat(path)?.mode, 0o640, path)
        }
        XCTAssertEqual(FolderWalker.entries(of: dir.resolved + "/deep/er"), ["n.jpg.json", "n.jpg.txt"], "no temp file left behind")

        // Rewriting replaces in place (same inode name, new content).
        try SidecarSet.write(sampleDocument(text: "second"), to: paths, scanMode: 0o600)
        XCTAssertEqual(try String(contentsOfFile: paths.text, encoding: .utf8), "second\n")
        XCTAssertEqual(FileStatus.lstat(paths.text)?.mode, 0o600)
    }

    func testJSONSchemaOfASuccessAndAFailure() throws {
        let dir = try TemporaryDirectory()
        let paths = SidecarPaths(text: dir.resolved + "/n.jpg.txt", json: dir.resolved + "/n.jpg.json")
        try SidecarSet.write(sampleDocument(text: "hello"), to: paths, scanMode: 0o644)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths.json))) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["schema", "source", "model", "prompt", "text", "tokens", "finish_reason", "timings_ms",
                                          "scrawl_version", "created_at"])
        XCTAssertEqual(object["schema"] as? Int, 2)
        let source = try XCTUnwrap(object["source"] as? [String: Any])
        XCTAssertEqual(Set(source.keys), ["path", "sha256", "bytes", "format", "width", "height"])
        let model = try XCTUnwrap(object["model"] as? [String: Any])
        XCTAssertEqual(Set(model.keys), ["name", "checkpoint", "config_sha256"])
        XCTAssertEqual(object["finish_reason"] as? String, "eos")
        let timings = try XCTUnwrap(object["timings_ms"] as? [String: Double])
        XCTAssertTrue(Set(timings.keys).isSuperset(of: ["decode_image", "vision", "prefill", "generate", "total"]))
        let created = try XCTUnwrap(object["created_at"] as? String)
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        XCTAssertNotNil(parser.date(from: created), created)
        XCTAssertTrue(created.hasSuffix("Z"), created)

        // A failure: `error`, no `text`, and the stale .txt of the earlier version is gone.
        var failed = sampleDocument(text: nil)
        failed.error = "cannot decode: truncated"
        try SidecarSet.write(failed, to: paths, scanMode: 0o644)
        object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths.json))) as? [String: Any])
        XCTAssertEqual(object["error"] as? String, "cannot decode: truncated")
        XCTAssertNil(object["text"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: paths.text))
    }

    func testUnwritableFolderIsATypedError() throws {
        let dir = try TemporaryDirectory()
        try write("x", to: dir.resolved + "/file")
        XCTAssertThrowsError(try SidecarWriter.write([1], to: dir.resolved + "/file/sub/n.txt", mode: 0o600)) { error in
            XCTAssertTrue(error is SidecarError, "\(error)")
            XCTAssertTrue("\(error)".contains("/file/sub"), "\(error)")
        }
    }

    private func sampleDocument(text: String?) -> SidecarDocument {
        SidecarDocument(source: .init(path: "/in/n.jpg", sha256: String(repeating: "0", count: 64), bytes: 10, format: "jpeg",
                                      width: 20, height: 30),
                        model: .init(name: "qwen2-vl", checkpoint: "/m", configSHA256: String(repeating: "1", count: 64)),
                        prompt: "OCR the Image", text: text, tokens: text == nil ? nil : 3, finishReason: text == nil ? nil : "eos",
                        timingsMs: text == nil ? nil : ["decode_image": 1, "preprocess": 1, "vision": 2, "prefill": 3, "generate": 4, "total": 11],
                        error: nil, reused: nil, scrawlVersion: ScrawlVersion.current, createdAt: SidecarSet.timestamp())
    }
}
