import Daemon
import Dispatch
import Foundation
import Glibc
import XCTest

/// A signal sent at any moment after the watcher exists is acted on: systemd may send SIGTERM right
/// after READY, and a stop that is lost leaves the unit hanging until SIGKILL.
final class SignalWatcherTests: XCTestCase {
    func testASignalSentTheMomentTheWatcherExistsIsNotLost() throws {
        for round in 0..<50 {
            let got = DispatchSemaphore(value: 0)
            let watcher = SignalWatcher(onStop: { _ in }, onRescan: { got.signal() })
            kill(getpid(), SIGHUP)
            let arrived = got.wait(timeout: .now() + .seconds(5)) == .success
            watcher.cancel()
            XCTAssertTrue(arrived, "SIGHUP sent right after the watcher was made was lost (round \(round))")
            if !arrived { return }
        }
    }

    func testEachSignalReachesItsActionWithItsNumber() throws {
        let stops = Locked<[Int32]>([])
        let rescans = Locked(0)
        let done = DispatchSemaphore(value: 0)
        let watcher = SignalWatcher(onStop: { number in stops.update { $0.append(number) }; done.signal() },
                                    onRescan: { rescans.update { $0 += 1 }; done.signal() })
        defer { watcher.cancel() }
        for number in [SIGHUP, SIGTERM, SIGINT] {
            kill(getpid(), number)
            XCTAssertEqual(done.wait(timeout: .now() + .seconds(5)), .success, "signal \(number)")
        }
        XCTAssertEqual(stops.get(), [SIGTERM, SIGINT])
        XCTAssertEqual(rescans.get(), 1)
    }

    func testAfterCancelSignalsNoLongerReachTheActionsAndDoNotEndTheProcess() throws {
        let calls = Locked(0)
        let watcher = SignalWatcher(onStop: { _ in calls.update { $0 += 1 } }, onRescan: { calls.update { $0 += 1 } })
        watcher.cancel()
        kill(getpid(), SIGHUP)
        kill(getpid(), SIGTERM)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(calls.get(), 0)
    }
}
