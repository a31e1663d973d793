import CSQLite
import Foundation
import XCTest
@testable import Catalog

/// Documents with pages (issue 11): one index row per page, kept in sync by triggers; pages of a
/// running job survive a kill; a catalog from before pages is migrated with each document as page 1.
final class PageTests: XCTestCase {
    static func pages(_ texts: [String]) -> [PageResult] {
        texts.enumerated().map { index, text in
            PageResult(number: index + 1, width: 800, height: 1000, text: text, tokens: 3, finishReason: "eos")
        }
    }

    func readDocument(_ f: CatalogFixture, _ path: String, sha: String, pages texts: [String]) throws -> Job {
        guard case .queued = try f.catalog.enqueue(CatalogFixture.scan(path, sha: sha)) else { throw XCTSkip("not queued") }
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        var result = CatalogFixture.result(PageResult.joinedText(Self.pages(texts)))
        result.pages = Self.pages(texts)
        try f.catalog.complete(job, result: result)
        return job
    }

    func testSearchNamesThePageThatMatchedAndTheIndexHoldsEveryLivePage() throws {
        let f = try CatalogFixture()
        try readDocument(f, "/inbox/letter.pdf", sha: "p1", pages: ["dear aunt", "the weather in zurich", "yours truly"])
        try f.read("/inbox/photo.jpg", sha: "j1", text: "zurich lake photo")
        let hits = try f.catalog.search(SearchQuery(text: "zurich"))
        XCTAssertEqual(Set(hits.map { "\($0.path)#\($0.page)/\($0.pageCount)" }), ["/inbox/letter.pdf#2/3", "/inbox/photo.jpg#1/1"])
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "truly")).map(\.page), [3])
        CatalogFixture.assertIndexIntact(f.catalog)
        XCTAssertEqual(try CatalogFixture.indexedIDs(f.catalog).count, 4, "three pages and one photo")
    }

    func testTriggersTakePagesOutAndPutThemBackAsTheDocumentLeavesAndReentersTheLiveSet() throws {
        let f = try CatalogFixture()
        try readDocument(f, "/inbox/a.pdf", sha: "v1", pages: ["first version page one", "first version page two"])
        // A new version supersedes the old: only the new pages are found.
        try readDocument(f, "/inbox/a.pdf", sha: "v2", pages: ["second edition alone"])
        XCTAssertEqual(try f.paths("first"), [])
        XCTAssertEqual(try f.paths("second"), ["/inbox/a.pdf"])
        CatalogFixture.assertIndexIntact(f.catalog, "after a supersede")
        // Removed: nothing is found; the same bytes back: found again without a read.
        try f.catalog.markRemoved(path: "/inbox/a.pdf")
        XCTAssertEqual(try f.paths("second"), [])
        CatalogFixture.assertIndexIntact(f.catalog, "after a removal")
        guard case .reused = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.pdf", sha: "v2")) else {
            return XCTFail("the same bytes back should be reused")
        }
        XCTAssertEqual(try f.paths("second"), ["/inbox/a.pdf"])
        CatalogFixture.assertIndexIntact(f.catalog, "after the file came back")
        // A copy under another path reuses the result, pages included.
        guard case .reused = try f.catalog.enqueue(CatalogFixture.scan("/inbox/copy.pdf", sha: "v2")) else {
            return XCTFail("identical bytes elsewhere should be reused")
        }
        XCTAssertEqual(Set(try f.paths("second")), ["/inbox/a.pdf", "/inbox/copy.pdf"])
        CatalogFixture.assertIndexIntact(f.catalog, "after a reuse")
        // A rebuild of the index gives the same index.
        let before = try CatalogFixture.indexedIDs(f.catalog)
        XCTAssertEqual(try f.catalog.reindex(), 2)
        XCTAssertEqual(try CatalogFixture.indexedIDs(f.catalog), before)
    }

    func testPagesOfARunningJobAreKeptUntilItCompletes() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/long.pdf", sha: "l1"))
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        let pages = Self.pages(["one", "two", "three"])
        try f.catalog.recordPage(jobID: job.id, pages[0])
        try f.catalog.recordPage(jobID: job.id, pages[1])
        // A kill: the next start puts the job back; its pages are still there for the resumed read.
        XCTAssertEqual(try f.catalog.requeueRunningJobs(), 1)
        let again = try XCTUnwrap(try f.catalog.claimNextJob())
        XCTAssertEqual(again.id, job.id)
        XCTAssertEqual(try f.catalog.finishedPages(jobID: job.id), Array(pages[0..<2]))
        var result = CatalogFixture.result(PageResult.joinedText(pages))
        result.pages = pages
        try f.catalog.complete(again, result: result)
        XCTAssertEqual(try f.catalog.finishedPages(jobID: job.id), [], "a completed job keeps no page records")
        XCTAssertThrowsError(try f.catalog.recordPage(jobID: job.id, pages[2]), "a finished job takes no more pages")
    }

    func testRunningJobReportsItsPage() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/long.pdf", sha: "l1"))
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        try f.catalog.recordProgress(jobID: job.id, tokens: 17, page: 7, pageCount: 12)
        let running = try XCTUnwrap(try f.catalog.status(recentFailures: 0).running.first)
        XCTAssertEqual([running.page, running.pageCount, running.tokens], [7, 12, 17])
    }

    /// A catalog at schema 4 (before pages) with a live, a superseded and a failed document migrates to
    /// one page per done document, searchable, with the index intact.
    func testVersion4CatalogGetsPageOneForEveryDocument() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-migrate4-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("catalog.sqlite").path
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(path, &db), SQLITE_OK)
        let v4 = Schema.migrations[0..<4].joined(separator: ";\n") + """
            ;
            INSERT INTO documents (id, path, sha256, bytes, mtime, format, inbox, model, prompt, max_tokens, state, text, created_at, superseded_at)
            VALUES (1, '/inbox/a.jpg', 's1', 1, 0, 'jpeg', '/inbox', 'qwen', 'p', 10, 'done', 'old words', 1, 2),
                   (2, '/inbox/a.jpg', 's2', 1, 0, 'jpeg', '/inbox', 'qwen', 'p', 10, 'done', 'current words', 2, NULL),
                   (3, '/inbox/b.jpg', 's3', 1, 0, 'jpeg', '/inbox', 'qwen', 'p', 10, 'failed', NULL, 1, NULL);
            INSERT INTO documents_fts (documents_fts) VALUES ('rebuild');
            PRAGMA user_version = 4;
            """
        XCTAssertEqual(sqlite3_exec(db, v4, nil, nil, nil), SQLITE_OK, String(cString: sqlite3_errmsg(db)))
        sqlite3_close(db)

        let catalog = try Catalog(path: path)
        XCTAssertEqual(try catalog.search(SearchQuery(text: "words")).map { "\($0.path)#\($0.page)" }, ["/inbox/a.jpg#1"])
        XCTAssertEqual(try catalog.read { db in try db.scalarInt("SELECT count(*) FROM document_pages") }, 2,
                       "every done document, superseded or not, keeps its text as page 1")
        CatalogFixture.assertIndexIntact(catalog)
    }
}
