import Foundation
import XCTest
@testable import Catalog

final class IdentityTests: XCTestCase {
    func testSameBytesAtSamePathAreNeverReRead() throws {
        let f = try CatalogFixture()
        XCTAssertEqual(try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1")), .queued(jobID: 1))
        XCTAssertEqual(try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1")), .alreadyQueued)
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        XCTAssertEqual(try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1")), .alreadyQueued)
        try f.catalog.complete(job, result: CatalogFixture.result("first read"))
        XCTAssertEqual(try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1")), .unchanged)
        XCTAssertNil(try f.catalog.claimNextJob())
    }

    func testChangedBytesQueueANewVersionThatReplacesTheOld() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "v1", text: "apples bananas")
        guard case .queued = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "v2")) else {
            return XCTFail("changed bytes must queue a new version")
        }
        XCTAssertEqual(try f.paths("apples"), ["/inbox/a.jpg"], "the old version stays searchable until the new one is read")
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        XCTAssertEqual(job.sha256, "v2")
        try f.catalog.complete(job, result: CatalogFixture.result("cherries dates"))
        XCTAssertEqual(try f.paths("apples"), [])
        XCTAssertEqual(try f.paths("cherries"), ["/inbox/a.jpg"])
        // History: both versions kept.
        let versions = try f.catalog.read { db in
            try db.query("SELECT sha256 FROM documents WHERE path = ? ORDER BY id", [.text("/inbox/a.jpg")]) { $0.text(0) }
        }
        XCTAssertEqual(versions, ["v1", "v2"])
    }

    func testBytesChangingAgainWhileQueuedUpdateTheQueuedJob() throws {
        let f = try CatalogFixture()
        guard case .queued(let first) = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "v1")),
              case .queued(let second) = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "v2")) else {
            return XCTFail("expected queued twice")
        }
        XCTAssertEqual(first, second)
        XCTAssertEqual(try f.catalog.claimNextJob()?.sha256, "v2")
        XCTAssertNil(try f.catalog.claimNextJob())
    }

    func testSameBytesUnderANewPathReuseTheResult() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "s1", text: "meeting notes tuesday")
        let outcome = try f.catalog.enqueue(CatalogFixture.scan("/inbox/copy/a.jpg", sha: "s1"))
        guard case .reused(let result) = outcome else { return XCTFail("expected reused, got \(outcome)") }
        XCTAssertEqual(result.text, "meeting notes tuesday")
        XCTAssertEqual(result.sidecarJSON, "{\"text\":\"meeting notes tuesday\"}")
        XCTAssertEqual(result.timingsMs["vision"], 12.5)
        XCTAssertNil(try f.catalog.claimNextJob(), "the model must not run again")
        XCTAssertEqual(Set(try f.paths("tuesday")), ["/inbox/a.jpg", "/inbox/copy/a.jpg"])
        XCTAssertEqual(try f.catalog.enqueue(CatalogFixture.scan("/inbox/copy/a.jpg", sha: "s1")), .unchanged)
    }

    func testMoveReusesAndOldPathLeavesSearch() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "s1", text: "invoice zurich")
        try f.catalog.markRemoved(path: "/inbox/a.jpg")
        guard case .reused = try f.catalog.enqueue(CatalogFixture.scan("/inbox/filed/a.jpg", sha: "s1")) else {
            return XCTFail("a moved file must reuse its result")
        }
        XCTAssertEqual(try f.paths("invoice"), ["/inbox/filed/a.jpg"])
    }

    func testReuseNeedsSameModelAndPrompt() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "s1", text: "same bytes")
        guard case .queued = try f.catalog.enqueue(CatalogFixture.scan("/aya/a.jpg", sha: "s1", model: "aya")) else {
            return XCTFail("another model must read it itself")
        }
        guard case .queued = try f.catalog.enqueue(CatalogFixture.scan("/inbox/b.jpg", sha: "s1", prompt: "Transcribe")) else {
            return XCTFail("another prompt must read it itself")
        }
    }

    func testFailuresAreNotReused() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1"))
        try f.catalog.fail(try XCTUnwrap(try f.catalog.claimNextJob()), error: "decoder crashed")
        guard case .queued = try f.catalog.enqueue(CatalogFixture.scan("/inbox/b.jpg", sha: "s1")) else {
            return XCTFail("a failure must not be copied to a new path")
        }
    }

    func testChangedBytesAfterFailureAreReadAgain() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1"))
        try f.catalog.fail(try XCTUnwrap(try f.catalog.claimNextJob()), error: "truncated")
        guard case .queued = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s2")) else {
            return XCTFail("new bytes must be read")
        }
        try f.catalog.complete(try XCTUnwrap(try f.catalog.claimNextJob()), result: CatalogFixture.result("fixed scan"))
        let status = try f.catalog.status(recentFailures: 5)
        XCTAssertEqual(status.failedDocuments, 0)
        XCTAssertEqual(status.recentFailures, [])
        XCTAssertEqual(try f.paths("fixed"), ["/inbox/a.jpg"])
    }

    func testBytesChangedWhileRunningQueueTheNewVersionAfter() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "v1"))
        let running = try XCTUnwrap(try f.catalog.claimNextJob())
        guard case .queued = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "v2")) else {
            return XCTFail("new bytes while running must queue")
        }
        try f.catalog.complete(running, result: CatalogFixture.result("old words"))
        let next = try XCTUnwrap(try f.catalog.claimNextJob())
        XCTAssertEqual(next.sha256, "v2")
        try f.catalog.complete(next, result: CatalogFixture.result("new words"))
        XCTAssertEqual(try f.paths("old"), [])
        XCTAssertEqual(try f.paths("new"), ["/inbox/a.jpg"])
    }
}
