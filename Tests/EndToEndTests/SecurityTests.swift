import Foundation
import Glibc
import XCTest

/// What the daemon may read and write: sidecar modes (group-readable at most, never wider than the
/// scan), the catalog 0600, and no symlink is ever followed out of an inbox — not to read a scan, not
/// to walk a folder, not to write a sidecar. (The unit's exposure ≤ 1.5 is checked by
/// SystemdEndToEndTests.testUnitVerifiesAndExposureIsAtMost1point5.)
final class SecurityTests: XCTestCase {
    func testSidecarModesAreGroupReadableAtMostAndNeverWiderThanTheScan() throws {
        let harness = try ServeHarness()
        try Data("max_tokens = 2\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        try harness.start()
        let tiny = Array(try Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/tiny.png"))))
        let modes: [mode_t] = [0o400, 0o600, 0o604, 0o640, 0o644, 0o660, 0o664, 0o666, 0o755, 0o777]
        var scans: [(path: String, mode: mode_t)] = []
        for mode in modes {
            let path = harness.inbox + "/mode-\(String(mode, radix: 8)).png"
            try Robustness.place(uniquePNG(tiny, tag: "mode\(mode)"), at: path)
            XCTAssertEqual(chmod(path, mode), 0)
            scans.append((path, mode))
        }
        // A failure (error sidecar only) and a reused result (identical bytes under another path).
        let junk = harness.inbox + "/junk.jpg"
        try Robustness.place(Array("not a picture".utf8), at: junk)
        XCTAssertEqual(chmod(junk, 0o644), 0)
        scans.append((junk, 0o644))
        for scan in scans { _ = try harness.sidecar(scan.path) }
        let copy = harness.inbox + "/copy-600.png"
        try Robustness.place(uniquePNG(tiny, tag: "mode\(modes[4])"), at: copy)
        XCTAssertEqual(chmod(copy, 0o600), 0)
        let copyJSON = try harness.sidecar(copy)
        XCTAssertEqual(copyJSON["reused"] as? Bool, true)
        scans.append((copy, 0o600))

        for (scan, scanMode) in scans {
            for suffix in [".json", ".txt"] where FileManager.default.fileExists(atPath: scan + suffix) {
                var info = stat()
                XCTAssertEqual(lstat(scan + suffix, &info), 0)
                let mode = info.st_mode & 0o7777
                let name = (scan as NSString).lastPathComponent + suffix
                XCTAssertEqual(mode & ~0o640, 0, "\(name): \(String(mode, radix: 8)) is wider than 0640")
                XCTAssertEqual(mode & 0o077 & ~(scanMode & 0o077), 0,
                               "\(name): \(String(mode, radix: 8)) gives group/others more than the scan's \(String(scanMode, radix: 8))")
                XCTAssertEqual(mode & 0o600, 0o600, "\(name): the owner reads and rewrites it")
            }
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    func testCatalogIsOwnerOnlyAndTheStateDirIsNotWorldReadable() throws {
        let harness = try ServeHarness()
        try harness.start()
        _ = try harness.sidecar(try harness.drop("hostile/one-pixel.png", as: "one.png"))
        for name in ["catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"] {
            let path = harness.stateDir + "/" + name
            guard FileManager.default.fileExists(atPath: path) else {
                XCTAssertNotEqual(name, "catalog.sqlite", "no catalog at \(path)")
                continue
            }
            var info = stat()
            XCTAssertEqual(lstat(path, &info), 0)
            XCTAssertEqual(info.st_mode & 0o7777, 0o600, "\(name) is \(String(info.st_mode & 0o7777, radix: 8)), not 0600")
        }
        var info = stat()
        XCTAssertEqual(lstat(harness.stateDir, &info), 0)
        XCTAssertEqual(info.st_mode & 0o007, 0, "the state dir is \(String(info.st_mode & 0o7777, radix: 8)): others get nothing")
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// Symlinks planted in the inbox and in sidecar_dir lead outside. Nothing outside is read (atime
    /// kept; under strace, no file syscall names it) or written.
    func testNoSymlinkIsFollowedOutOfTheInboxToReadWalkOrWrite() throws {
        let harness = try ServeHarness()
        let textDir = harness.root + "/text"
        // [[inbox]] is the config's last table: this key lands in it.
        let config = try String(contentsOfFile: harness.configPath, encoding: .utf8) + "\nsidecar_dir = \"\(textDir)\"\n"
        try Data(config.utf8).write(to: URL(fileURLWithPath: harness.configPath))
        let outside = harness.root + "/outside"
        try FileManager.default.createDirectory(atPath: outside + "/folder", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside + "/written", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: textDir, withIntermediateDirectories: true)
        let tiny = Array(try Data(contentsOf: URL(fileURLWithPath: ServeHarness.fixture("qwen2vl/images/tiny.png"))))
        let target = outside + "/secret.png", inFolder = outside + "/folder/page.png"
        try Robustness.place(uniquePNG(tiny, tag: "secret"), at: target)
        try Robustness.place(uniquePNG(tiny, tag: "folder"), at: inFolder)
        let before = try [target, inFolder].map { try Fingerprint($0) }
        // Old atimes: any read would move them (relatime updates an atime older than the mtime).
        for path in [target, inFolder] {
            var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2 /* UTIME_OMIT */)]
            XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
        }
        try Data("max_tokens = 2\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/.scrawl.toml"))
        try harness.start()

        let trace = try SyscallTrace(pid: try XCTUnwrap(harness.process?.processIdentifier),
                                     logPath: harness.root + "/strace.log", harness: harness)

        try FileManager.default.createSymbolicLink(atPath: harness.inbox + "/secret.png", withDestinationPath: target)
        try FileManager.default.createSymbolicLink(atPath: harness.inbox + "/folder", withDestinationPath: outside + "/folder")
        // sidecar_dir/sub leads outside: a scan in inbox/sub must not get its sidecar written through it.
        try FileManager.default.createSymbolicLink(atPath: textDir + "/sub", withDestinationPath: outside + "/written")
        try FileManager.default.createDirectory(atPath: harness.inbox + "/sub", withIntermediateDirectories: true)
        let subScan = harness.inbox + "/sub/note.png"
        try Robustness.place(uniquePNG(tiny, tag: "sub"), at: subScan)
        let sentinel = harness.inbox + "/sentinel.png"
        try Robustness.place(uniquePNG(tiny, tag: "sentinel"), at: sentinel)
        try harness.waitFor("the sentinel's sidecar", timeout: 120) { FileManager.default.fileExists(atPath: textDir + "/sentinel.png.json") }
        try harness.waitFor("the scan in sub to be recorded", timeout: 120) { try Robustness.currentDocument(harness, path: subScan) != nil }
        try Robustness.waitForEmptyQueue(harness, timeout: 60)
        harness.requestRescanForTest()
        Thread.sleep(forTimeInterval: 1)  // the rescan walks the inbox again (symlinked folder included, if followed)

        if let trace {
            let touching = try trace.stop(linesNaming: [outside])
            XCTAssertTrue(trace.text().contains(harness.inbox), "strace saw the daemon work in the inbox")
            XCTAssertEqual(touching, [], "file syscalls that name a path outside the inbox")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside + "/written"), [],
                       "a sidecar was written through sidecar_dir/sub, a link out of the sidecar folder")
        let subDocument = try XCTUnwrap(try Robustness.currentDocument(harness, path: subScan))
        XCTAssertEqual(subDocument["state"] as? String, "failed", "\(subDocument)")
        XCTAssertTrue((subDocument["error"] as? String ?? "").contains("symbolic link"), "\(subDocument)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside).sorted(), ["folder", "secret.png", "written"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside + "/folder"), ["page.png"])
        for path in [target, inFolder] {
            var info = stat()
            XCTAssertEqual(lstat(path, &info), 0)
            XCTAssertEqual(info.st_atim.tv_sec, 1_000_000_000, "\(path) was read (atime moved)")
        }
        XCTAssertEqual(try [target, inFolder].map { try Fingerprint($0) }, before)
        XCTAssertNil(try Robustness.currentDocument(harness, path: harness.inbox + "/secret.png"))
        XCTAssertNil(try Robustness.currentDocument(harness, path: harness.inbox + "/folder/page.png"))
        XCTAssertEqual(try harness.stop(), 0)
    }

    /// The scan's folder is swapped for a link out of the inbox while the model reads it: the sidecar
    /// must not follow the link when it is written.
    func testFolderSwappedForALinkDuringTheReadGetsNoSidecarOutside() throws {
        let harness = try ServeHarness()
        let outside = harness.root + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: harness.inbox + "/swap", withIntermediateDirectories: true)
        // large.png with a high cap: the tiny model loops for ~300 tokens, time enough to swap the folder.
        try Data("max_tokens = 1000\n".utf8).write(to: URL(fileURLWithPath: harness.inbox + "/swap/.scrawl.toml"))
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/large.png", as: "swap/page.png")
        try harness.waitFor("the read to start", timeout: 60) { logged(harness.log(), path: scan, event: "reading") }
        XCTAssertEqual(rename(harness.inbox + "/swap", harness.root + "/moved-away"), 0)
        try FileManager.default.createSymbolicLink(atPath: harness.inbox + "/swap", withDestinationPath: outside)
        let swappedInTime = !logged(harness.log(), path: scan, event: "read")
        try harness.waitFor("the read to end", timeout: 120) {
            logged(harness.log(), path: scan, event: "read") || harness.log().contains("path=\(scan) [Daemon] failed")
                || harness.log().contains("cannot write the error sidecar")
        }
        try Robustness.waitForEmptyQueue(harness, timeout: 60)
        XCTAssertTrue(swappedInTime, "the read ended before the swap; the case proves nothing")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [], "a sidecar followed the link out of the inbox")
        XCTAssertTrue(harness.isRunning)
        XCTAssertEqual(try harness.stop(), 0)
    }
}

extension ServeHarness {
    /// SIGHUP: the daemon rescans every inbox.
    func requestRescanForTest() {
        if let process { kill(process.processIdentifier, SIGHUP) }
    }
}
