import Foundation
import XCTest
@testable import Catalog

/// A fresh catalog in its own temporary folder, removed when the test ends.
final class CatalogFixture {
    let folder: URL
    let path: String
    let catalog: Catalog

    init() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("scrawl-catalog-tests-\(UUID().uuidString)")
        path = folder.appendingPathComponent("state/catalog.sqlite").path
        catalog = try Catalog(path: path)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    static func scan(_ path: String, sha: String, model: String = "qwen", prompt: String = "OCR the Image",
                     inbox: String = "/inbox") -> ScanCandidate {
        ScanCandidate(path: path, sha256: sha, bytes: 1234, mtime: 1_700_000_000, format: "jpeg", inbox: inbox,
                      model: model, prompt: prompt, maxTokens: 256)
    }

    static func result(_ text: String, engine: String = "qwen2-vl") -> ReadResult {
        ReadResult(text: text, model: engine, checkpoint: "/models/qwen", configHash: "abc123", prompt: "OCR the Image",
                   tokens: text.split(separator: " ").count, finishReason: "eos", width: 640, height: 480,
                   timingsMs: ["vision": 12.5, "decode": 40], sidecarJSON: "{\"text\":\"\(text)\"}")
    }

    /// Enqueues, claims and completes one scan with `text`; fails the test if the queue does anything else.
    @discardableResult
    func read(_ path: String, sha: String, text: String, model: String = "qwen",
              file: StaticString = #filePath, line: UInt = #line) throws -> Job? {
        guard case .queued = try catalog.enqueue(Self.scan(path, sha: sha, model: model)) else {
            XCTFail("\(path) was not queued", file: file, line: line)
            return nil
        }
        guard let job = try catalog.claimNextJob() else {
            XCTFail("no job to claim for \(path)", file: file, line: line)
            return nil
        }
        XCTAssertEqual(job.path, path, file: file, line: line)
        try catalog.complete(job, result: Self.result(text, engine: model == "aya" ? "aya-vision" : "qwen2-vl"))
        return job
    }

    /// The page ids the FTS index itself holds (its token instances; not the content it reads from).
    static func indexedIDs(_ catalog: Catalog) throws -> [Int64] {
        try catalog.write { db in
            try db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_instances USING fts5vocab(main, pages_fts, 'instance')")
            return try db.query("SELECT DISTINCT doc FROM temp.fts_instances ORDER BY doc") { $0.int64(0) }
        }
    }

    /// The ids of the pages of the live done documents (pages with no words are not in the vocabulary).
    static func liveDoneIDs(_ catalog: Catalog) throws -> [Int64] {
        try catalog.read { db in
            try db.query("""
                SELECT p.id FROM document_pages p JOIN documents d ON d.id = p.document_id
                WHERE d.state = 'done' AND d.superseded_at IS NULL AND d.removed_at IS NULL AND p.text <> '' ORDER BY p.id
                """) { $0.int64(0) }
        }
    }

    /// FTS5's own check: every indexed token matches the text of the live documents' pages, and nothing else is indexed.
    static func assertIndexIntact(_ catalog: Catalog, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNoThrow(try catalog.write { db in
            try db.run("INSERT INTO pages_fts (pages_fts, rank) VALUES ('integrity-check', 1)")
        }, message, file: file, line: line)
        XCTAssertEqual(try indexedIDs(catalog), try liveDoneIDs(catalog), message, file: file, line: line)
    }

    func paths(_ text: String) throws -> [String] {
        try catalog.search(SearchQuery(text: text)).map(\.path)
    }
}
