import Foundation
import XCTest
@testable import Catalog

final class RemovalTests: XCTestCase {
    func testRemovedFileLeavesSearchButKeepsHistory() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "s1", text: "dentist appointment")
        try f.catalog.markRemoved(path: "/inbox/a.jpg")
        XCTAssertEqual(try f.paths("dentist"), [])
        XCTAssertEqual(try f.catalog.knownPaths(under: "/inbox"), [])
        let kept = try f.catalog.read { db in try db.scalarInt("SELECT count(*) FROM documents") }
        XCTAssertEqual(kept, 1)
    }

    func testSameBytesComingBackRestoreWithoutARead() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "s1", text: "dentist appointment")
        try f.catalog.markRemoved(path: "/inbox/a.jpg")
        guard case .reused(let result) = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1")) else {
            return XCTFail("expected the old result back")
        }
        XCTAssertEqual(result.text, "dentist appointment")
        XCTAssertNil(try f.catalog.claimNextJob())
        XCTAssertEqual(try f.paths("dentist"), ["/inbox/a.jpg"])
    }

    func testFolderRemovalCoversOnlyThatFolder() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/trip/a.jpg", sha: "s1", text: "museum tickets")
        try f.read("/inbox/trip/day2/b.jpg", sha: "s2", text: "museum map")
        try f.read("/inbox/tripods.jpg", sha: "s3", text: "museum tripod")
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/trip/c.jpg", sha: "s4"))
        XCTAssertEqual(try f.catalog.knownPaths(under: "/inbox/trip/"),
                       ["/inbox/trip/a.jpg", "/inbox/trip/c.jpg", "/inbox/trip/day2/b.jpg"])
        try f.catalog.markRemoved(under: "/inbox/trip")
        XCTAssertEqual(try f.paths("museum"), ["/inbox/tripods.jpg"])
        XCTAssertNil(try f.catalog.claimNextJob(), "a queued job under the removed folder is cancelled")
        XCTAssertEqual(try f.catalog.knownPaths(under: "/inbox"), ["/inbox/tripods.jpg"])
    }

    func testFileRemovedWhileBeingReadIsRecordedButNotSearchable() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1"))
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        try f.catalog.markRemoved(path: "/inbox/a.jpg")
        try f.catalog.complete(job, result: CatalogFixture.result("vanished note"))
        XCTAssertEqual(try f.paths("vanished"), [])
        XCTAssertEqual(try f.catalog.status(recentFailures: 0).count(.done), 1)
    }
}

final class IndexInvariantTests: XCTestCase {
    /// After any mix of operations, the FTS table holds exactly the current, present, done documents.
    func testIndexHoldsExactlyTheLiveDoneDocuments() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "1", text: "alpha one")
        try f.read("/inbox/b.jpg", sha: "2", text: "beta two")
        try f.read("/inbox/a.jpg", sha: "3", text: "alpha three")          // new version
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/copy-b.jpg", sha: "2"))  // reused
        try f.catalog.markRemoved(path: "/inbox/b.jpg")
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/c.jpg", sha: "4"))
        try f.catalog.fail(try XCTUnwrap(try f.catalog.claimNextJob()), error: "broken")
        CatalogFixture.assertIndexIntact(f.catalog)
        XCTAssertEqual(try CatalogFixture.liveDoneIDs(f.catalog).count, 2, "a.jpg v2 and copy-b.jpg")
        try f.catalog.reindex()
        CatalogFixture.assertIndexIntact(f.catalog, "after reindex")
    }
}

final class FolderRangeTests: XCTestCase {
    func testFolderRangeMatchesExactlyTheFolderAndBelow() throws {
        let f = try CatalogFixture()
        let paths = ["/a/b.jpg", "/a/b/c.jpg", "/a/b/c/d.jpg", "/a/b0.jpg", "/a/b.d/e.jpg", "/a/bz/e.jpg", "/a/b/ü.jpg"]
        for (i, path) in paths.enumerated() { _ = try f.catalog.enqueue(CatalogFixture.scan(path, sha: "\(i)")) }
        XCTAssertEqual(try f.catalog.knownPaths(under: "/a/b"), ["/a/b/c.jpg", "/a/b/c/d.jpg", "/a/b/ü.jpg"])
        XCTAssertEqual(try f.catalog.knownPaths(under: "/a/b/c.jpg"), ["/a/b/c.jpg"])
        XCTAssertEqual(try f.catalog.knownPaths(under: "/").count, paths.count)
        let plan = try f.catalog.read { db in
            try db.query("EXPLAIN QUERY PLAN SELECT path FROM documents WHERE \(Catalog.underFolder()) AND superseded_at IS NULL",
                         Catalog.folderValues("/a/b")) { $0.text(3) }.joined(separator: " ")
        }
        XCTAssertTrue(plan.contains("INDEX"), "the path index must serve folder filters: \(plan)")
    }
}

final class IndexCheckTests: XCTestCase {
    /// The invariant checks above are not vacuous: a stray index entry is caught by both of them.
    func testStrayIndexEntryIsDetected() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "1", text: "alpha words")
        try f.catalog.write { db in try db.run("INSERT INTO pages_fts (rowid, text) VALUES (77, 'stray words')") }
        XCTAssertEqual(try CatalogFixture.indexedIDs(f.catalog), [1, 77])
        XCTAssertThrowsError(try f.catalog.write { db in
            try db.run("INSERT INTO pages_fts (pages_fts, rank) VALUES ('integrity-check', 1)")
        })
    }
}
