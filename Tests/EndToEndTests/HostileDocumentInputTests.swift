import Foundation
import XCTest

/// The hostile document corpus (Tests/Fixtures/hostile/documents: broken and malicious PDF, TIFF,
/// HEIC and WebP files, scripts/make-hostile-documents.py) end to end through one real
/// `scrawl serve`: each file gets its outcome as a sidecar and in the catalog, the renderer children
/// (poppler, libheif's tools) are stopped at their limits, the daemon stays up, and no file is
/// touched. (Tests/ImagingTests/HostileDocumentTests checks the same files at the decoder, with the
/// exact error kind.)
final class HostileDocumentInputTests: XCTestCase {
    struct Case: Decodable {
        var file: String
        var expect: String
        var kind: String
        var why: String
    }

    struct Manifest: Decodable { var cases: [Case] }

    /// Words the daemon's error for each decoder error kind carries (ImageDecodeError.description).
    static let words = ["damaged": "damaged or truncated", "passwordProtected": "password-protected",
                        "tooManyPages": "pages, over the limit", "tooManyPixels": "over the limit of",
                        "limitExceeded": "within its limits"]

    func testEveryHostileDocumentGetsItsOutcomeAndTheDaemonSurvives() throws {
        let root = Robustness.hostileFixtures.appendingPathComponent("documents")
        let cases = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: root.appendingPathComponent("documents.json"))).cases
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        let harness = try ServeHarness(settleMs: 100)
        _ = try Robustness.useCheckpointCopy(in: harness)
        // Few tokens and pages per read: this test is about outcomes, not text.
        try Data("max_tokens = 2\nmax_pages = 2\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        try harness.start()
        var fingerprints: [String: Fingerprint] = [:]
        for item in cases {
            let path = try harness.drop("hostile/documents/" + item.file, as: "documents/" + item.file)
            fingerprints[path] = try Fingerprint(path)
        }
        try Robustness.waitForEmptyQueue(harness, timeout: 600)
        for item in cases { _ = try harness.sidecar(harness.inbox + "/documents/" + item.file, timeout: 60) }
        XCTAssertTrue(harness.isRunning, "the daemon died:\n\(harness.log())")

        var outcomes: [String] = []
        for item in cases {
            let path = harness.inbox + "/documents/" + item.file
            let json = try XCTUnwrap(sidecarJSON(path), "\(item.file): no sidecar")
            let document = try Robustness.currentDocument(harness, path: path)
            let text = json["text"] as? String, error = json["error"] as? String
            // A page count under the daemon's hard page limit (ImageLimits, 10,000) is not refused in
            // the daemon: it reads the first max_pages pages and says so (the decoder test sets 1000).
            let expect = item.kind == "tooManyPages" && (json["max_pages"] as? Int) != nil ? "capped" : item.expect
            switch expect {
            case "error":
                let message = try XCTUnwrap(error, "\(item.file) (\(item.why)): expected an error, sidecar \(json)")
                XCTAssertNil(text, item.file)
                XCTAssertTrue(message.contains(path), "\(item.file): the error names the file: \(message)")
                if let words = Self.words[item.kind] {
                    XCTAssertTrue(message.contains(words), "\(item.file) (\(item.kind)): '\(message)' lacks '\(words)'")
                }
                XCTAssertEqual(document?["state"] as? String, "failed", item.file)
                XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".txt"), "\(item.file): no .txt for a failure")
                outcomes.append("\(item.file): error")
            case "pages", "capped":
                XCTAssertNotNil(text, "\(item.file) (\(item.why)): expected text, sidecar \(json)")
                XCTAssertEqual(document?["state"] as? String, "done", item.file)
                if expect == "capped" {
                    XCTAssertEqual(json["max_pages"] as? Int, 2, item.file)
                    XCTAssertEqual((json["pages"] as? [Any])?.count, 2, "\(item.file): only max_pages pages read")
                }
                outcomes.append("\(item.file): \(expect)")
            case "either":
                XCTAssertTrue((text == nil) != (error == nil), "\(item.file): text or error, one of them: \(json)")
                XCTAssertEqual(document?["state"] as? String, text != nil ? "done" : "failed", item.file)
                outcomes.append("\(item.file): \(text != nil ? "text" : "error")")
            default:
                XCTFail("unknown expectation \(item.expect) for \(item.file)")
            }
        }
        for (path, before) in fingerprints.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(try Fingerprint(path), before, "\(path) changed")
        }
        XCTAssertEqual(leftoverSidecarTemps(under: harness.inbox), [])
        // No renderer child outlives its page, and no HEIF temp folder is left behind.
        XCTAssertEqual(Self.children(of: try XCTUnwrap(harness.process?.processIdentifier)), [], "children left running")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("scrawl-heif.") }, [])
        XCTAssertEqual(try harness.stop(), 0)
        print("HostileDocumentInputTests: " + outcomes.joined(separator: "; "))
    }

    /// Commands of the processes whose parent is `pid` (from /proc/<n>/stat: "n (comm) S ppid …").
    static func children(of pid: Int32) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> String? in
            guard Int32(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == pid else { return nil }
            return String(stat[stat.index(after: stat.firstIndex(of: "(")!)..<close])
        }
    }
}
