import Catalog
import Foundation
import XCTest
@testable import Daemon

final class MonitorTests: XCTestCase {
    private func turn(_ monitor: InboxMonitor, for seconds: Double = 5, until predicate: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            monitor.turn(timeoutMs: 50)
            if try predicate() { return true }
        }
        return false
    }

    func testEventsRescansAndRemovalsReachTheCatalog() throws {
        let sandbox = try DaemonSandbox { $0.settleMs = 100 }
        let before = try sandbox.drop("imaging/decode/baseline444.jpg", as: "old/before.jpg")
        let queued = Locked(0)
        let monitor = try InboxMonitor(config: sandbox.config, catalog: sandbox.catalog, intake: sandbox.intake(),
                                       logger: quietLogger) { queued.update { $0 += 1 } }
        monitor.start()
        XCTAssertTrue(turn(monitor) { queued.get() == 1 }, "the start rescan takes files that were there before")
        XCTAssertEqual(try sandbox.catalog.knownPaths(under: sandbox.inbox), [before])

        // A file written by Foundation (temp name, then rename into place) is taken once, under its real name.
        let dropped = sandbox.inbox + "/new/drop.png"
        try FileManager.default.createDirectory(atPath: sandbox.inbox + "/new", withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: dropped, contents: Data(try fixtureBytes("imaging/decode/exif6.png"))))
        XCTAssertTrue(turn(monitor) { queued.get() == 2 })
        XCTAssertEqual(try sandbox.catalog.knownPaths(under: sandbox.inbox), [dropped, before])

        // A partial download is never taken.
        try FileManager.default.copyItem(atPath: fixture("imaging/decode/exif6.png").path, toPath: sandbox.inbox + "/dl.png.part")
        XCTAssertFalse(turn(monitor, for: 0.5) { queued.get() > 2 }, "a .part file is never taken")

        // Delete → leaves the catalog's live paths.
        try FileManager.default.removeItem(atPath: dropped)
        XCTAssertTrue(try turn(monitor) { try sandbox.catalog.knownPaths(under: sandbox.inbox) == [before] })

        // A folder moved out of the inbox.
        try FileManager.default.moveItem(atPath: sandbox.inbox + "/old", toPath: sandbox.root.resolved + "/old")
        XCTAssertTrue(try turn(monitor) { try sandbox.catalog.knownPaths(under: sandbox.inbox).isEmpty })

        // Removed while nobody watched (simulated: a new monitor on a tree the catalog knows more of).
        let again = try sandbox.drop("imaging/decode/baseline444.jpg", as: "again.jpg")
        let stays = try sandbox.drop("imaging/decode/cmyk.jpg", as: "stays.jpg")
        XCTAssertTrue(try turn(monitor) { try sandbox.catalog.knownPaths(under: sandbox.inbox) == [again, stays] })
        monitor.stop()
        /// A new monitor's start rescan after `path` was deleted while nobody watched.
        func restart(removing path: String) throws {
            try FileManager.default.removeItem(atPath: path)
            let fresh = try InboxMonitor(config: sandbox.config, catalog: sandbox.catalog, intake: sandbox.intake(),
                                         logger: quietLogger) {}
            fresh.start()
            fresh.stop()
        }
        try restart(removing: again)
        XCTAssertEqual(try sandbox.catalog.knownPaths(under: sandbox.inbox), [stays], "the start rescan marks files gone meanwhile")

        // An inbox found empty where the catalog knows files (an unmounted share) removes nothing.
        try restart(removing: stays)
        XCTAssertEqual(try sandbox.catalog.knownPaths(under: sandbox.inbox), [stays], "an empty walk removes nothing")
        XCTAssertEqual(try sandbox.catalog.status(recentFailures: 0).problems.map(\.source), ["inbox \(sandbox.inbox)"])
    }

    func testSettleHoldsAFileThatKeepsGrowing() throws {
        let sandbox = try DaemonSandbox { $0.settleMs = 1000 }
        let queued = Locked(0)
        let monitor = try InboxMonitor(config: sandbox.config, catalog: sandbox.catalog, intake: sandbox.intake(),
                                       logger: quietLogger) { queued.update { $0 += 1 } }
        monitor.start()
        let path = sandbox.inbox + "/slow.png"
        let bytes = try fixtureBytes("imaging/decode/exif6.png")
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: { FileManager.default.createFile(atPath: path, contents: nil); return path }()))
        var written = 0
        let chunk = max(1, bytes.count / 4)
        while written < bytes.count {
            let end = min(bytes.count, written + chunk)
            handle.write(Data(bytes[written..<end]))
            written = end
            for _ in 0..<3 { monitor.turn(timeoutMs: 50) }   // ~150 ms between bursts, well under settle_ms (1 s)
            XCTAssertEqual(queued.get(), 0, "taken while still being written")
        }
        try handle.close()
        XCTAssertTrue(turn(monitor) { queued.get() == 1 })
        let job = try XCTUnwrap(try sandbox.catalog.claimNextJob())
        XCTAssertEqual(job.bytes, Int64(bytes.count), "the whole file was taken")
    }
}
