import Foundation
import XCTest
@testable import Catalog

/// kill -9 of a writing process at random moments: nothing committed is lost, nothing is recorded twice,
/// and the FTS index always matches the documents.
final class CrashTests: XCTestCase {
    private static let childVariable = "SCRAWL_CATALOG_CRASH_CHILD"

    /// Runs only inside the child process: enqueues, claims and completes scans as fast as it can.
    func testChildWriterLoop() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        let catalog = try Catalog(path: path)
        _ = try catalog.requeueRunningJobs()
        var n = try catalog.status(recentFailures: 0).jobs.values.reduce(0, +)
        while true {
            n += 1
            _ = try catalog.enqueue(CatalogFixture.scan("/inbox/\(n).jpg", sha: "sha-\(n)"))
            if let job = try catalog.claimNextJob() {
                try catalog.recordProgress(jobID: job.id, tokens: 3)
                try catalog.complete(job, result: CatalogFixture.result("crash note number \(job.id) words"))
            }
        }
    }

    func testKillNineNeverLosesOrDuplicates() throws {
        guard ProcessInfo.processInfo.environment[Self.childVariable] == nil else { return }
        guard let testBinary = Bundle.main.executableURL else { throw XCTSkip("cannot locate the test binary") }
        let f = try CatalogFixture()
        var generator = SystemRandomNumberGenerator()
        for round in 0..<5 {
            let child = Process()
            child.executableURL = testBinary
            child.arguments = ["CatalogTests.CrashTests/testChildWriterLoop"]
            child.environment = ProcessInfo.processInfo.environment.merging([Self.childVariable: f.path]) { $1 }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.4...1.2, using: &generator))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal, "round \(round): the child must have been killed")
            try assertConsistent(f.catalog, round: round)
        }
        let status = try f.catalog.status(recentFailures: 0)
        XCTAssertGreaterThan(status.count(.done), 5, "the children must have made progress")
    }

    private func assertConsistent(_ catalog: Catalog, round: Int) throws {
        try catalog.read { db in
            XCTAssertEqual(try db.query("PRAGMA integrity_check") { $0.text(0) }, ["ok"], "round \(round)")
            // Every done job has exactly one document; no document belongs to a job that is not done.
            let doneJobs = try db.scalarInt("SELECT count(*) FROM jobs WHERE state = 'done'") ?? -1
            let jobDocs = try db.scalarInt("SELECT count(*) FROM documents WHERE job_id IS NOT NULL") ?? -2
            XCTAssertEqual(doneJobs, jobDocs, "round \(round)")
            let orphans = try db.scalarInt("""
                SELECT count(*) FROM documents d JOIN jobs j ON j.id = d.job_id WHERE j.state <> 'done'
                """)
            XCTAssertEqual(orphans, 0, "round \(round)")
            let duplicates = try db.scalarInt("""
                SELECT count(*) FROM (SELECT path FROM documents GROUP BY path HAVING count(*) > 1)
                """)
            XCTAssertEqual(duplicates, 0, "round \(round): a path was recorded twice")
        }
        CatalogFixture.assertIndexIntact(catalog, "round \(round)")
        // What the index says matches the text each document holds.
        let hits = try catalog.search(SearchQuery(text: "crash", limit: 1_000_000))
        XCTAssertEqual(hits.count, Set(hits.map(\.path)).count, "round \(round)")
    }
}
