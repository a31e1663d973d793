import Foundation
import XCTest
@testable import Daemon

final class WatcherTests: XCTestCase {
    /// Collects events until `predicate` holds or `seconds` pass.
    private func events(_ watcher: InotifyWatcher, within seconds: Double = 3, until predicate: ([WatchEvent]) -> Bool) -> [WatchEvent] {
        var all: [WatchEvent] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var fds = [pollfd(fd: watcher.fd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 1, 100)
            all += watcher.readEvents()
            if predicate(all) { break }
        }
        return all
    }

    func testCreateRenameInMkdirDeleteAndMoveOut() throws {
        let dir = try TemporaryDirectory()
        let inbox = dir.resolved + "/inbox"
        let outside = dir.resolved + "/outside"
        try FileManager.default.createDirectory(atPath: inbox + "/existing", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let watcher = try InotifyWatcher()
        let watched = try watcher.watchTree(inbox, recursive: true)
        XCTAssertEqual(Set(watched), [inbox, inbox + "/existing"])

        // A plain write: CLOSE_WRITE.
        try write("a", to: inbox + "/existing/a.jpg")
        XCTAssertTrue(events(watcher) { $0.contains(.fileWritten(inbox + "/existing/a.jpg")) }.contains(.fileWritten(inbox + "/existing/a.jpg")))

        // A file renamed in from outside the tree: MOVED_TO.
        try write("b", to: outside + "/b.jpg")
        _ = rename(outside + "/b.jpg", inbox + "/b.jpg")
        XCTAssertTrue(events(watcher) { $0.contains(.fileWritten(inbox + "/b.jpg")) }.contains(.fileWritten(inbox + "/b.jpg")))

        // mkdir + an immediate write inside: the folder is reported (so it gets scanned) and watched.
        try FileManager.default.createDirectory(atPath: inbox + "/new", withIntermediateDirectories: false)
        try write("c", to: inbox + "/new/c.jpg")
        let mkdirEvents = events(watcher) { $0.contains(.folderAppeared(inbox + "/new")) }
        XCTAssertTrue(mkdirEvents.contains(.folderAppeared(inbox + "/new")), "\(mkdirEvents)")
        XCTAssertTrue(watcher.isWatched(inbox + "/new"))
        try write("d", to: inbox + "/new/d.jpg")
        XCTAssertTrue(events(watcher) { $0.contains(.fileWritten(inbox + "/new/d.jpg")) }.contains(.fileWritten(inbox + "/new/d.jpg")))

        // Delete a file.
        try FileManager.default.removeItem(atPath: inbox + "/b.jpg")
        XCTAssertTrue(events(watcher) { $0.contains(.fileRemoved(inbox + "/b.jpg")) }.contains(.fileRemoved(inbox + "/b.jpg")))

        // Move a file out: MOVED_FROM → removed.
        _ = rename(inbox + "/existing/a.jpg", outside + "/a.jpg")
        XCTAssertTrue(events(watcher) { $0.contains(.fileRemoved(inbox + "/existing/a.jpg")) }
            .contains(.fileRemoved(inbox + "/existing/a.jpg")))

        // Rename a folder inside the tree: old one removed, new one appears, and later writes carry the new path.
        _ = rename(inbox + "/new", inbox + "/renamed")
        let renameEvents = events(watcher) { $0.contains(.folderAppeared(inbox + "/renamed")) }
        XCTAssertEqual(renameEvents, [.folderRemoved(inbox + "/new"), .folderAppeared(inbox + "/renamed")])
        try write("e", to: inbox + "/renamed/e.jpg")
        XCTAssertTrue(events(watcher) { $0.contains(.fileWritten(inbox + "/renamed/e.jpg")) }
            .contains(.fileWritten(inbox + "/renamed/e.jpg")))

        // Move a folder out of the tree: removed, and no longer watched.
        _ = rename(inbox + "/renamed", outside + "/renamed")
        XCTAssertTrue(events(watcher) { $0.contains(.folderRemoved(inbox + "/renamed")) }.contains(.folderRemoved(inbox + "/renamed")))
        XCTAssertFalse(watcher.isWatched(inbox + "/renamed"))
        try write("f", to: outside + "/renamed/f.jpg")
        XCTAssertEqual(events(watcher) { !$0.isEmpty }, [], "a folder moved away reports nothing more")

        // Delete a folder.
        try FileManager.default.removeItem(atPath: inbox + "/existing")
        XCTAssertTrue(events(watcher) { $0.contains(.folderRemoved(inbox + "/existing")) }.contains(.folderRemoved(inbox + "/existing")))
    }

    /// A folder deleted and made again under the same name before the watcher reads (an app that wipes
    /// and recreates its upload folder): the old folder's DELETE and IN_IGNORED, read after the new one's
    /// CREATE, must not take the new folder's watch with them, and nested folders made again come back too.
    func testAFolderDeletedAndMadeAgainUnderTheSameNameStaysWatched() throws {
        let dir = try TemporaryDirectory()
        let inbox = dir.resolved
        let folder = inbox + "/uploads"
        try FileManager.default.createDirectory(atPath: folder + "/day", withIntermediateDirectories: true)
        let watcher = try InotifyWatcher()
        try watcher.watchTree(inbox, recursive: true)
        for round in 0..<3 {
            try FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createDirectory(atPath: folder + "/day", withIntermediateDirectories: true)
            let seen = events(watcher) { $0.contains(.folderAppeared(folder)) }
            let removed = seen.firstIndex(of: .folderRemoved(folder)), appeared = seen.lastIndex(of: .folderAppeared(folder))
            XCTAssertNotNil(removed, "round \(round): \(seen)")
            XCTAssertNotNil(appeared, "round \(round): \(seen)")
            XCTAssertLessThan(removed ?? .max, appeared ?? -1, "round \(round): removed, then made again: \(seen)")
            _ = events(watcher, within: 0.3) { _ in false }  // the old watches' IN_IGNORED, if they come late
            XCTAssertTrue(watcher.isWatched(folder), "round \(round)")
            XCTAssertTrue(watcher.isWatched(folder + "/day"), "round \(round)")
            let scan = folder + "/day/scan\(round).jpg"
            try write("x", to: scan)
            let written = events(watcher) { $0.contains(.fileWritten(scan)) }
            XCTAssertTrue(written.contains(.fileWritten(scan)), "round \(round): \(written)")
        }
    }

    func testHiddenAndExcludedFoldersAreNotWatchedAndNonRecursiveStaysFlat() throws {
        let dir = try TemporaryDirectory()
        let inbox = dir.resolved
        for sub in [".Trash", "text", "a/b"] {
            try FileManager.default.createDirectory(atPath: inbox + "/" + sub, withIntermediateDirectories: true)
        }
        let watcher = try InotifyWatcher(excluding: [inbox + "/text"])
        try watcher.watchTree(inbox, recursive: true)
        XCTAssertEqual(watcher.watchedFolders, [inbox, inbox + "/a", inbox + "/a/b"])

        let flat = try InotifyWatcher()
        try flat.watchTree(inbox, recursive: false)
        try FileManager.default.createDirectory(atPath: inbox + "/c", withIntermediateDirectories: false)
        try write("x", to: inbox + "/top.jpg")
        let seen = events(flat) { $0.contains(.fileWritten(inbox + "/top.jpg")) }
        XCTAssertEqual(seen, [.fileWritten(inbox + "/top.jpg")], "a non-recursive inbox neither reports nor watches sub-folders")
        XCTAssertEqual(flat.watchedFolders, [inbox])
    }

    func testScannerSkipsSymlinksFifosHiddenAndTempFiles() throws {
        let dir = try TemporaryDirectory()
        let inbox = dir.resolved + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox + "/sub/.hidden", withIntermediateDirectories: true)
        try write("x", to: inbox + "/a.jpg")
        try write("x", to: inbox + "/sub/b.png")
        try write("x", to: inbox + "/sub/.hidden/c.jpg")
        try write("x", to: inbox + "/d.jpg.part")
        try write("x", to: inbox + "/a.jpg.txt")
        try write("x", to: dir.resolved + "/secret.jpg")
        try FileManager.default.createSymbolicLink(atPath: inbox + "/link.jpg", withDestinationPath: dir.resolved + "/secret.jpg")
        try FileManager.default.createSymbolicLink(atPath: inbox + "/linkdir", withDestinationPath: dir.resolved)
        XCTAssertEqual(mkfifo(inbox + "/pipe.jpg", 0o600), 0)
        XCTAssertEqual(InboxScanner.files(under: inbox, recursive: true).map(\.path), [inbox + "/a.jpg", inbox + "/sub/b.png"])
        XCTAssertEqual(InboxScanner.files(under: inbox, recursive: false).map(\.path), [inbox + "/a.jpg"])
    }

    func testQueueOverflowIsReported() throws {
        let dir = try TemporaryDirectory()
        let watcher = try InotifyWatcher()
        try watcher.watchTree(dir.resolved, recursive: true)
        let limit = Int((try? String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 16384
        // Each new file queues CREATE and CLOSE_WRITE: more files than half the limit overflow the queue.
        for index in 0...(limit / 2 + 10) {
            let fd = open(dir.resolved + "/f\(index).jpg", O_CREAT | O_WRONLY, 0o600)
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
        }
        XCTAssertTrue(watcher.readEvents().contains(.overflow), "IN_Q_OVERFLOW reported (the monitor rescans on it)")
    }
}
