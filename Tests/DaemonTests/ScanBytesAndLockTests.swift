import Foundation
import Glibc
import XCTest
@testable import Daemon

final class ScanBytesAndLockTests: XCTestCase {
    func testReadsARegularFileInsideTheInbox() throws {
        let dir = try TemporaryDirectory()
        try write("hello", to: dir.resolved + "/a.jpg")
        let scan = try ScanBytes.read(dir.resolved + "/a.jpg", inboxRoot: dir.resolved)
        XCTAssertEqual(scan.bytes, Array("hello".utf8))
        XCTAssertEqual(scan.status.size, 5)
        XCTAssertEqual(scan.status.kind, .regular)
    }

    func testRefusesSymlinksFifosWithoutBlockingAndEscapes() throws {
        let dir = try TemporaryDirectory()
        let inbox = dir.resolved + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try write("secret", to: dir.resolved + "/secret.jpg")
        try FileManager.default.createSymbolicLink(atPath: inbox + "/link.jpg", withDestinationPath: dir.resolved + "/secret.jpg")
        XCTAssertThrowsError(try ScanBytes.read(inbox + "/link.jpg", inboxRoot: inbox)) { error in
            XCTAssertEqual(error as? ScanReadError, .symlink(path: inbox + "/link.jpg"))
        }
        // A folder inside the inbox that is a symlink to outside: refused, the link is never followed.
        try FileManager.default.createSymbolicLink(atPath: inbox + "/escape", withDestinationPath: dir.resolved)
        XCTAssertThrowsError(try ScanBytes.read(inbox + "/escape/secret.jpg", inboxRoot: inbox)) { error in
            XCTAssertEqual(error as? ScanReadError, .linkOnTheWay(path: inbox + "/escape/secret.jpg", inbox: inbox))
        }
        // A FIFO with no writer would block a plain open(); this returns at once.
        XCTAssertEqual(mkfifo(inbox + "/pipe.jpg", 0o600), 0)
        let started = Date()
        XCTAssertThrowsError(try ScanBytes.read(inbox + "/pipe.jpg", inboxRoot: inbox)) { error in
            XCTAssertEqual(error as? ScanReadError, .notRegularFile(path: inbox + "/pipe.jpg"))
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        try write("0123456789", to: inbox + "/big.jpg")
        XCTAssertThrowsError(try ScanBytes.read(inbox + "/big.jpg", inboxRoot: inbox, maxBytes: 4)) { error in
            XCTAssertEqual(error as? ScanReadError, .tooLarge(path: inbox + "/big.jpg", bytes: 10, limit: 4))
        }
    }

    func testOnlyOneInstancePerStateDir() throws {
        let dir = try TemporaryDirectory()
        var first: InstanceLock? = try InstanceLock(stateDir: dir.resolved)
        XCTAssertNotNil(first)
        // flock locks belong to the open file description: a second open in this process conflicts too.
        XCTAssertThrowsError(try InstanceLock(stateDir: dir.resolved)) { error in
            XCTAssertEqual(error as? DaemonError, .alreadyRunning(lockPath: dir.resolved + "/scrawl.lock"))
            XCTAssertTrue("\(error)".contains("already running"))
        }
        first = nil
        XCTAssertNoThrow(try InstanceLock(stateDir: dir.resolved), "released when the holder goes")
    }
}
