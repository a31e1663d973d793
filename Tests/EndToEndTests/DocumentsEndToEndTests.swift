import Foundation
import Glibc
import XCTest

/// Documents, not just pictures (issue 11), through the real `scrawl serve` with the tiny checkpoint:
/// each file of Tests/Fixtures/documents (made by real tools, see its generator) gets complete
/// sidecars with one entry per page, a search hit that names its page, and a kill -9 in the middle of
/// a PDF resumes at the page it was on without reading any page twice.
final class DocumentsEndToEndTests: XCTestCase {
    static let expectedPages = [
        "scanned-3page.pdf": 3, "g4-2page.tif": 2, "rotated.heic": 1, "lossy.webp": 1, "born-digital.pdf": 2,
    ]

    func testEveryDocumentFormatGetsPageBySidecarsAndPageSearch() throws {
        let harness = try ServeHarness()
        try FileManager.default.createDirectory(atPath: harness.inbox + "/digital", withIntermediateDirectories: true)
        try Data("pdf_text = \"prefer\"\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/digital/.scrawl.toml"))
        try harness.start()
        var scans: [String: String] = [:]
        for name in Self.expectedPages.keys.sorted() {
            scans[name] = try harness.drop("documents/" + name, as: name == "born-digital.pdf" ? "digital/" + name : name)
        }
        for (name, scan) in scans.sorted(by: { $0.key < $1.key }) {
            let json = try harness.sidecar(scan, timeout: 120) { $0["text"] != nil || $0["error"] != nil }
            XCTAssertNil(json["error"], "\(name): \(json)")
            XCTAssertEqual(json["schema"] as? Int, 2, name)
            let pageCount = try XCTUnwrap(Self.expectedPages[name])
            XCTAssertEqual(json["page_count"] as? Int, pageCount, name)
            let pages = try XCTUnwrap(json["pages"] as? [[String: Any]], name)
            XCTAssertEqual(pages.compactMap { $0["number"] as? Int }, Array(1...pageCount), name)
            for page in pages {
                XCTAssertNotNil(page["text"] as? String, "\(name): \(page)")
                XCTAssertGreaterThan(page["width"] as? Int ?? 0, 0, name)
                XCTAssertGreaterThan(page["height"] as? Int ?? 0, 0, name)
                XCTAssertNotNil(page["finish_reason"] as? String, name)
            }
            // The text is the pages' joined with form feeds, in the .txt sidecar too.
            let joined = pages.compactMap { $0["text"] as? String }.joined(separator: "\u{0C}")
            XCTAssertEqual(json["text"] as? String, joined, name)
            XCTAssertEqual(try String(contentsOfFile: scan + ".txt", encoding: .utf8), joined + "\n", name)
        }

        // A born-digital PDF under pdf_text = "prefer": the page with a text layer is taken from it, the
        // scanned page is read by the model; the text layer's words are found on page 1.
        let digital = try XCTUnwrap(sidecarJSON(try XCTUnwrap(scans["born-digital.pdf"]))?["pages"] as? [[String: Any]])
        XCTAssertEqual(digital.compactMap { $0["origin"] as? String }, ["text_layer", "model"])
        XCTAssertTrue((digital[0]["text"] as? String ?? "").contains("plumber"), "\(digital[0])")
        let (status, output) = try harness.scrawl(["search", "--json", "plumber"])
        XCTAssertEqual(status, 0, output)
        let hits = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        XCTAssertEqual(hits.map { "\($0["path"] ?? "")#\($0["page"] ?? "")/\($0["page_count"] ?? "")" },
                       ["\(scans["born-digital.pdf"]!)#1/2"])
        let (_, plain) = try harness.scrawl(["search", "plumber"])
        XCTAssertTrue(plain.contains("born-digital.pdf, page 1"), plain)

        // The model's own words on page 2 of the scanned PDF are found on that page.
        let scanned = try XCTUnwrap(sidecarJSON(try XCTUnwrap(scans["scanned-3page.pdf"]))?["pages"] as? [[String: Any]])
        if let word = Self.searchableWord(in: scanned[1]["text"] as? String ?? "") {
            let (code, found) = try harness.scrawl(["search", "--json", "--limit", "100", "\"\(word)\""])
            XCTAssertEqual(code, 0, found)
            let pages = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(found.utf8)) as? [[String: Any]])
                .filter { $0["path"] as? String == scans["scanned-3page.pdf"] }.compactMap { $0["page"] as? Int }
            XCTAssertTrue(pages.contains(2), "'\(word)' of page 2 found on pages \(pages)")
        }
        XCTAssertEqual(try harness.stop(), 0)
        // The scans themselves are untouched.
        for (name, scan) in scans {
            XCTAssertEqual(try sha256sum(scan), try sha256sum(ServeHarness.fixture("documents/" + name)), name)
        }
    }

    /// A kill -9 while page 2 of 3 is being read: the restart resumes at page 2 and no page is read twice.
    func testKillDuringAPageResumesAtThatPage() throws {
        // A larger pixel budget makes each page take long enough to be killed in the middle of.
        let harness = try ServeHarness(extraConfig: "max_pixels = 4000000")
        try harness.start()
        let pdf = try harness.drop("documents/scanned-3page.pdf", as: "letter.pdf")
        try harness.waitFor("page 1 to be recorded", timeout: 120) {
            try Robustness.count(harness, "SELECT count(*) FROM job_pages") >= 1
        }
        XCTAssertEqual(try harness.stop(signal: SIGKILL), SIGKILL)
        let recorded = try Robustness.count(harness, "SELECT count(*) FROM job_pages")
        XCTAssertEqual(recorded, 1, "killed while page 2 was being read")
        let firstRun = Self.pagesRead(harness.log(), path: pdf)
        XCTAssertEqual(firstRun, Array(1...recorded))

        try harness.start()
        let json = try harness.sidecar(pdf, timeout: 180) { $0["text"] != nil || $0["error"] != nil }
        XCTAssertNil(json["error"], "\(json)")
        XCTAssertEqual((json["pages"] as? [[String: Any]])?.count, 3)
        let log = harness.log()
        XCTAssertTrue(log.contains("resuming at page \(recorded + 1) of 3"), log)
        let allRuns = Self.pagesRead(log, path: pdf)
        XCTAssertEqual(allRuns, [1, 2, 3], "each page read exactly once across the kill")
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM job_pages"), 0, "page records cleared at completion")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// Pages whose "page k/n read" line is in the log for `path`, in log order (duplicates kept).
    static func pagesRead(_ log: String, path: String) -> [Int] {
        log.split(separator: "\n").compactMap { line -> Int? in
            guard line.contains("path=\(path) "), let range = line.range(of: #"\] page (\d+)/\d+ read$"#, options: .regularExpression) else {
                return nil
            }
            let text = line[range].dropFirst("] page ".count)
            return Int(text.prefix { $0.isNumber })
        }
    }

    /// A word FTS5 will index (letters or digits, at least three).
    static func searchableWord(in text: String) -> String? {
        text.split { !$0.isLetter && !$0.isNumber }.map(String.init).first { $0.count >= 3 }
    }
}
