import Foundation
import Inference
import XCTest
@testable import Daemon

/// Nothing hangs unseen (issue 10, item 7): each phase of a read must show progress within the stall
/// limit and a page must be read within the page limit, else the read's cancellation flag is set with
/// a reason naming the phase, which the engine turns into `OCRError.cancelled` at its next check.
final class ReadBudgetTests: XCTestCase {
    func testProgressWithinTheStallLimitKeepsTheReadGoing() throws {
        let budget = ReadBudget(stallLimitS: 5, pageLimitS: 60)
        budget.note(.preprocessed(width: 56, height: 56, imageTokens: 4, promptTokens: 20))
        budget.note(.visionLayer(done: 1, of: 2))
        budget.note(.visionLayer(done: 2, of: 2))
        XCTAssertEqual(budget.stall.phase, .prefill, "after the last vision layer the read is in prefill")
        budget.note(.prefillDone)
        budget.note(.token(id: 1, text: "a", count: 1))
        XCTAssertEqual(budget.stall.phase, .generating)
        XCTAssertNil(budget.flag.cancellationReason)
        XCTAssertNoThrow(try budget.flag.check())
    }

    func testAGapLongerThanTheStallLimitCancelsNamingThePhase() throws {
        let budget = ReadBudget(stallLimitS: 0.3, pageLimitS: 60)
        budget.note(.preprocessed(width: 56, height: 56, imageTokens: 4, promptTokens: 20))
        budget.note(.visionLayer(done: 1, of: 2))
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertGreaterThanOrEqual(budget.stall.seconds, 0.5, "another thread sees how long the read has not moved")
        XCTAssertEqual(budget.stall.phase, .vision)
        budget.note(.visionLayer(done: 2, of: 2))
        let reason = try XCTUnwrap(budget.flag.cancellationReason)
        XCTAssertTrue(reason.contains("no progress for"), reason)
        XCTAssertTrue(reason.contains("in the vision tower"), reason)
        XCTAssertTrue(reason.contains("stall_timeout_s"), reason)
        XCTAssertThrowsError(try budget.flag.check()) { error in
            guard case OCRError.cancelled = error else { return XCTFail("\(error)") }
        }
    }

    func testThePageLimitIsADeadline() throws {
        let budget = ReadBudget(stallLimitS: 60, pageLimitS: 0.2)
        XCTAssertNil(budget.flag.cancellationReason)
        Thread.sleep(forTimeInterval: 0.3)
        let reason = try XCTUnwrap(budget.flag.cancellationReason)
        XCTAssertEqual(budget.explain(reason), "gave up: the page was not read within page_timeout_s = 0 s")
    }

    func testAShutdownIsNotAFailure() {
        let budget = ReadBudget(stallLimitS: 60, pageLimitS: 60)
        budget.stopForShutdown()
        XCTAssertEqual(budget.flag.cancellationReason, ReadBudget.shutdownReason)
    }

    func testTimeoutsAreConfiguredAndRangeChecked() throws {
        let config = try ScrawlConfig.parse("""
            [daemon]
            stall_timeout_s = 120
            page_timeout_s = 900
            [[inbox]]
            path = "/srv/scans"
            """, file: "/etc/scrawl/scrawl.toml")
        XCTAssertEqual(config.daemon.stallTimeoutS, 120)
        XCTAssertEqual(config.daemon.pageTimeoutS, 900)
        XCTAssertEqual(DaemonSettings().stallTimeoutS, 600)
        XCTAssertThrowsError(try ScrawlConfig.parse("[daemon]\nstall_timeout_s = 0\n[[inbox]]\npath = \"/s\"\n", file: "c.toml"))
    }
}
