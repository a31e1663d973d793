import Foundation
import XCTest
@testable import Catalog

final class QueueTests: XCTestCase {
    func testJobGoesQueuedRunningDone() throws {
        let f = try CatalogFixture()
        guard case .queued(let id) = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1")) else {
            return XCTFail("expected queued")
        }
        var status = try f.catalog.status(recentFailures: 5)
        XCTAssertEqual(status.count(.queued), 1)
        XCTAssertEqual(status.count(.running), 0)

        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        XCTAssertEqual(job.id, id)
        XCTAssertEqual(job.attempts, 1)
        XCTAssertEqual(job.maxTokens, 256)
        XCTAssertNil(try f.catalog.claimNextJob(), "a running job must not be claimed twice")

        try f.catalog.recordProgress(jobID: job.id, tokens: 17)
        status = try f.catalog.status(recentFailures: 5)
        XCTAssertEqual(status.count(.running), 1)
        XCTAssertEqual(status.running.first?.path, "/inbox/a.jpg")
        XCTAssertEqual(status.running.first?.tokens, 17)

        try f.catalog.complete(job, result: CatalogFixture.result("grocery list milk eggs"))
        status = try f.catalog.status(recentFailures: 5)
        XCTAssertEqual(status.count(.done), 1)
        XCTAssertEqual(status.count(.running), 0)
        XCTAssertEqual(status.searchable, 1)
        XCTAssertEqual(try f.paths("eggs"), ["/inbox/a.jpg"])
    }

    /// A batch is one transaction; each scan's identity is remembered with its hash, and forgotten
    /// when the file is removed.
    func testBatchEnqueueRemembersWhatEachFileWasWhenHashed() throws {
        let fixture = try CatalogFixture()
        let catalog = fixture.catalog
        var first = CatalogFixture.scan("/inbox/a.jpg", sha: "aaa")
        first.identity = FileIdentity(device: 2049, inode: 77, size: 1234, mtimeNs: 1_700_000_000_123_456_789)
        var second = CatalogFixture.scan("/inbox/b.jpg", sha: "bbb")
        second.identity = FileIdentity(device: 2049, inode: 78, size: 1234, mtimeNs: 5)
        let outcomes = try catalog.enqueue([first, second, CatalogFixture.scan("/inbox/c.jpg", sha: "ccc")])
        XCTAssertEqual(outcomes.count, 3)
        XCTAssertTrue(outcomes.allSatisfy { if case .queued = $0 { return true } else { return false } }, "\(outcomes)")
        XCTAssertEqual(try catalog.seenFile(path: "/inbox/a.jpg"), SeenFile(identity: first.identity!, sha256: "aaa", format: "jpeg"))
        XCTAssertNil(try catalog.seenFile(path: "/inbox/c.jpg"), "no identity, nothing remembered")
        second.sha256 = "bbb2"
        second.identity?.mtimeNs = 6
        _ = try catalog.enqueue(second)
        XCTAssertEqual(try catalog.seenFile(path: "/inbox/b.jpg")?.sha256, "bbb2")
        try catalog.markRemoved(path: "/inbox/a.jpg")
        XCTAssertNil(try catalog.seenFile(path: "/inbox/a.jpg"))
    }

    func testClaimsOldestFirst() throws {
        let f = try CatalogFixture()
        for name in ["c", "a", "b"] { _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/\(name).jpg", sha: name)) }
        let order = try (0..<3).map { _ in try XCTUnwrap(try f.catalog.claimNextJob()).path }
        XCTAssertEqual(order, ["/inbox/c.jpg", "/inbox/a.jpg", "/inbox/b.jpg"])
    }

    func testCompletingTwiceIsRefusedAndRecordsNothingTwice() throws {
        let f = try CatalogFixture()
        let job = try XCTUnwrap(try f.read("/inbox/a.jpg", sha: "s1", text: "once only"))
        XCTAssertThrowsError(try f.catalog.complete(job, result: CatalogFixture.result("once only"))) { error in
            XCTAssertEqual(error as? CatalogError, .jobNotRunning(id: job.id, state: "done"))
        }
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "once")).count, 1)
    }

    func testRequeueAtStartPutsRunningJobsBack() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1"))
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/b.jpg", sha: "s2"))
        let first = try XCTUnwrap(try f.catalog.claimNextJob())

        // A new process opens the same file after a crash.
        let restarted = try Catalog(path: f.path)
        XCTAssertEqual(try restarted.requeueRunningJobs(), 1)
        let again = try XCTUnwrap(try restarted.claimNextJob())
        XCTAssertEqual(again.id, first.id, "the interrupted job runs first again")
        XCTAssertEqual(again.attempts, 2)
        XCTAssertEqual(try restarted.status(recentFailures: 0).count(.queued), 1)
    }

    func testFailedJobKeepsErrorAndIsNotSearchable() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/bad.jpg", sha: "s1"))
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        try f.catalog.fail(job, error: "JPEG data is truncated")
        let status = try f.catalog.status(recentFailures: 5)
        XCTAssertEqual(status.count(.failed), 1)
        XCTAssertEqual(status.failedDocuments, 1)
        XCTAssertEqual(status.recentFailures.map(\.path), ["/inbox/bad.jpg"])
        XCTAssertEqual(status.recentFailures.first?.error, "JPEG data is truncated")
        XCTAssertEqual(try f.paths("truncated"), [])
        // Not retried on its own: same bytes are unchanged.
        XCTAssertEqual(try f.catalog.enqueue(CatalogFixture.scan("/inbox/bad.jpg", sha: "s1")), .unchanged)
    }

    func testResultWithErrorIsRecordedAsFailure() throws {
        let f = try CatalogFixture()
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1"))
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        var result = CatalogFixture.result("partial words")
        result.error = "image too large"
        try f.catalog.complete(job, result: result)
        XCTAssertEqual(try f.catalog.status(recentFailures: 1).count(.failed), 1)
        XCTAssertEqual(try f.paths("partial"), [])
    }

    func testRetryFailedAndRetryPath() throws {
        let f = try CatalogFixture()
        for (name, sha) in [("x", "s1"), ("y", "s2")] {
            _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/\(name).jpg", sha: sha))
            try f.catalog.fail(try XCTUnwrap(try f.catalog.claimNextJob()), error: "out of memory")
        }
        XCTAssertEqual(try f.catalog.retryFailed(), 2)
        XCTAssertEqual(try f.catalog.retryFailed(), 0, "already queued")
        XCTAssertFalse(try f.catalog.retry(path: "/inbox/x.jpg"), "already queued")
        XCTAssertFalse(try f.catalog.retry(path: "/inbox/unknown.jpg"))
        let job = try XCTUnwrap(try f.catalog.claimNextJob())
        XCTAssertEqual(job.path, "/inbox/x.jpg")
        XCTAssertEqual(job.sha256, "s1")
        try f.catalog.complete(job, result: CatalogFixture.result("recovered text"))
        XCTAssertEqual(try f.paths("recovered"), ["/inbox/x.jpg"])
        XCTAssertEqual(try f.catalog.status(recentFailures: 5).recentFailures.map(\.path), ["/inbox/y.jpg"])
        XCTAssertTrue(try f.catalog.retry(path: "/inbox/x.jpg"), "a done scan can be read again on request")
    }
}

final class ImportTests: XCTestCase {
    func testRecordedScansAreSearchableAndReplaceOlderVersions() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "v1", text: "old text")
        let count = try f.catalog.recordReadScans([
            (CatalogFixture.scan("/inbox/a.jpg", sha: "v2"), CatalogFixture.result("imported text")),
            (CatalogFixture.scan("/inbox/b.jpg", sha: "v3"), CatalogFixture.result("imported words")),
        ])
        XCTAssertEqual(count, 2)
        XCTAssertEqual(try f.paths("old"), [])
        XCTAssertEqual(Set(try f.paths("imported")), ["/inbox/a.jpg", "/inbox/b.jpg"])
        XCTAssertEqual(try f.catalog.enqueue(CatalogFixture.scan("/inbox/b.jpg", sha: "v3")), .unchanged)
    }
}

/// "Queued jobs for the loaded model go first" (issue 10, item 6): the claim order with a preferred model.
final class PreferredModelQueueTests: XCTestCase {
    private func enqueueMixed(_ f: CatalogFixture, _ models: [String]) throws {
        for (index, model) in models.enumerated() {
            _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/\(index)-\(model).jpg", sha: "sha\(index)", model: model))
        }
    }

    private func claimAll(_ f: CatalogFixture, preferring: (() -> String?)) throws -> [String] {
        var order: [String] = []
        while let job = try f.catalog.claimNextJob(preferring: preferring()) {
            order.append((job.path as NSString).lastPathComponent)
            try f.catalog.complete(job, result: CatalogFixture.result("text"))
        }
        return order
    }

    func testTheLoadedModelsJobsGoFirstThenTheOthersInQueueOrder() throws {
        let f = try CatalogFixture()
        try enqueueMixed(f, ["qwen", "aya", "qwen", "aya", "qwen"])
        // Without a preference: strictly oldest first (as before).
        XCTAssertEqual(try f.catalog.claimNextJob()?.path, "/inbox/0-qwen.jpg")
        // aya loaded: the aya jobs come before the older qwen ones, each model's in queue order.
        XCTAssertEqual(try claimAll(f) { "aya" }, ["1-aya.jpg", "3-aya.jpg", "2-qwen.jpg", "4-qwen.jpg"])
    }

    func testAMixedQueueIsTakenModelByModel() throws {
        let f = try CatalogFixture()
        try enqueueMixed(f, ["qwen", "aya", "qwen", "aya", "qwen", "aya"])
        var resident: String?
        var loads = 0
        while let job = try f.catalog.claimNextJob(preferring: resident) {
            if job.model != resident { loads += 1; resident = job.model }
            try f.catalog.complete(job, result: CatalogFixture.result("text"))
        }
        XCTAssertEqual(loads, 2, "one load per model, not one per scan")
    }

    func testAJobThatWaitedTooLongGoesFirstWhateverTheModel() throws {
        let f = try CatalogFixture()
        try enqueueMixed(f, ["aya", "qwen"])
        XCTAssertEqual(try f.catalog.claimNextJob(preferring: "qwen", maxWait: 3600)?.model, "qwen")
        _ = try f.catalog.enqueue(CatalogFixture.scan("/inbox/late.jpg", sha: "late", model: "qwen"))
        // The aya job has waited longer than maxWait (0 s here): it is taken although qwen is preferred.
        XCTAssertEqual(try f.catalog.claimNextJob(preferring: "qwen", maxWait: 0)?.model, "aya")
    }

    func testSkippedModelsStaySkippedWithAPreference() throws {
        let f = try CatalogFixture()
        try enqueueMixed(f, ["aya", "qwen"])
        XCTAssertEqual(try f.catalog.claimNextJob(skippingModels: ["qwen"], preferring: "qwen")?.model, "aya")
        XCTAssertNil(try f.catalog.claimNextJob(skippingModels: ["qwen"], preferring: "qwen"))
    }
}
