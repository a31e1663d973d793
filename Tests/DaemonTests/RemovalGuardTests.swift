import XCTest
@testable import Daemon

/// When a walk may mark missing files removed (issue 10, item 9).
final class RemovalGuardTests: XCTestCase {
    private let known = ["/in/a.png", "/in/b.png", "/in/sub/c.png"]

    private func decide(recorded: Int64?, current: Int64, found: Set<String>) -> RemovalGuard.Decision {
        RemovalGuard.decide(inbox: "/in", recordedDevice: recorded, currentDevice: current, found: found, known: known)
    }

    private func skipped(_ decision: RemovalGuard.Decision) -> Bool {
        if case .skip = decision { return true }
        return false
    }

    func testAnEmptyWalkWhereTheCatalogKnowsFilesRemovesNothing() {
        XCTAssertTrue(skipped(decide(recorded: 7, current: 7, found: [])))
        XCTAssertTrue(skipped(decide(recorded: nil, current: 7, found: [])))
    }

    func testAnotherDeviceWithNoneOfTheKnownFilesRemovesNothingEvenWithOtherFilesThere() {
        // Scans dropped into the empty mount point while the share was away.
        XCTAssertTrue(skipped(decide(recorded: 7, current: 9, found: ["/in/new.png"])))
    }

    func testARemountOnANewDeviceThatShowsTheKnownFilesIsAccepted() {
        XCTAssertEqual(decide(recorded: 7, current: 9, found: ["/in/a.png"]), .proceed(recordDevice: 9))
    }

    func testOrdinaryDeletionsOnTheSameDeviceProceed() {
        XCTAssertEqual(decide(recorded: 7, current: 7, found: ["/in/a.png"]), .proceed(recordDevice: 7))
        XCTAssertEqual(decide(recorded: 7, current: 7, found: ["/in/other.png"]), .proceed(recordDevice: 7))
        XCTAssertEqual(decide(recorded: 7, current: 7, found: Set(known)), .proceed(recordDevice: 7))
    }

    func testNothingKnownNothingToGuard() {
        XCTAssertEqual(RemovalGuard.decide(inbox: "/in", recordedDevice: 7, currentDevice: 9, found: [], known: []),
                       .proceed(recordDevice: 9))
    }
}

/// Files that never settle are listed (issue 10, item 11).
final class SettleTrackerUnsettledTests: XCTestCase {
    func testAFileThatKeepsChangingIsListedOnceItHasChangedForLongEnough() {
        var tracker = SettleTracker()
        tracker.observe("/in/log.png", .init(size: 0, mtime: 0), settleMs: 1000, now: 0)
        tracker.observe("/in/calm.png", .init(size: 1, mtime: 1), settleMs: 1000, now: 0)
        var taken: [String] = []
        for t in stride(from: 0.5, through: 700, by: 0.5) {
            taken += tracker.settled(now: t) { path in
                path == "/in/log.png" ? .init(size: Int64(t * 2), mtime: t) : .init(size: 1, mtime: 1)
            }
        }
        XCTAssertEqual(taken, ["/in/calm.png"], "a calm file is taken after its settle time")
        XCTAssertEqual(tracker.unsettled(forAtLeast: 600, now: 700), ["/in/log.png"])
        XCTAssertEqual(tracker.unsettled(forAtLeast: 800, now: 700), [])
        // It stops changing: it is taken and leaves the list.
        XCTAssertEqual(tracker.settled(now: 702) { _ in .init(size: 1400, mtime: 700) }, ["/in/log.png"])
        XCTAssertEqual(tracker.unsettled(forAtLeast: 600, now: 702), [])
    }
}
