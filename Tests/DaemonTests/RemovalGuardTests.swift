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
