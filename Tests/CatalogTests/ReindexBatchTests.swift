import Foundation
import XCTest
@testable import Catalog

/// `scrawl reindex` in batches (issue 10, item 4): another connection (the daemon) commits between
/// batches with no busy wait, and what it changed during the rebuild is in the index after the swap.
final class ReindexBatchTests: XCTestCase {
    func testTheDaemonCommitsBetweenBatchesAndItsChangesSurviveTheSwap() throws {
        let f = try CatalogFixture()
        try f.catalog.recordReadScans((0..<1000).map { i in
            (CatalogFixture.scan("/bulk/\(i).jpg", sha: "b\(i)"), CatalogFixture.result("common word\(i)"))
        })
        // The daemon's connection, with no busy timeout at all: any write lock held across batches fails it.
        let daemon = try Catalog(path: f.path)
        try daemon.db.exec("PRAGMA busy_timeout = 0")
        var commits = 0
        let count = try f.catalog.reindex(batch: 100) { indexed in
            switch indexed {
            case 200:
                // A scan read during the rebuild (a new id, past the batches so far).
                XCTAssertNoThrow(try daemon.recordReadScans([(CatalogFixture.scan("/new/fresh.jpg", sha: "n1"),
                                                              CatalogFixture.result("freshly zebra"))]))
                commits += 1
            case 500:
                // A document already batched leaves search; another is replaced by a new version.
                XCTAssertNoThrow(try daemon.markRemoved(path: "/bulk/3.jpg"))
                XCTAssertNoThrow(try daemon.recordReadScans([(CatalogFixture.scan("/bulk/7.jpg", sha: "b7-v2"),
                                                              CatalogFixture.result("rewritten giraffe"))]))
                commits += 2
            default: break
            }
        }
        XCTAssertEqual(commits, 3, "the daemon committed between batches without waiting")
        XCTAssertEqual(count, 1000, "1000, plus the fresh one, less the removed one (the replaced one counts once)")
        CatalogFixture.assertIndexIntact(f.catalog, "after a batched reindex with writes in between")
        XCTAssertEqual(try f.paths("zebra"), ["/new/fresh.jpg"])
        XCTAssertEqual(try f.paths("giraffe"), ["/bulk/7.jpg"])
        XCTAssertEqual(try f.paths("word3"), [], "removed during the rebuild: out of the new index")
        XCTAssertEqual(try f.paths("word7"), [], "superseded during the rebuild: its old text is out")
        XCTAssertEqual(try f.paths("word999"), ["/bulk/999.jpg"])
        XCTAssertEqual(try f.catalog.read { db in
            try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name LIKE 'pages_fts_rebuild%'")
        }, 0, "the rebuild's tables are gone")
    }

    func testARebuildInterruptedEarlierIsStartedOver() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "a", text: "apple")
        try f.catalog.write { db in
            try db.exec(Schema.createFTS(named: Catalog.rebuildTable))
            try db.exec("CREATE TABLE \(Catalog.rebuiltIDs) (id INTEGER PRIMARY KEY)")
            try db.exec("INSERT INTO \(Catalog.rebuiltIDs) VALUES (999)")
        }
        XCTAssertEqual(try f.catalog.reindex(), 1)
        CatalogFixture.assertIndexIntact(f.catalog)
        XCTAssertEqual(try f.paths("apple"), ["/inbox/a.jpg"])
    }
}
