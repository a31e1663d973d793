import Foundation
import Glibc
import XCTest

/// Broken, odd and hostile input, end to end through one real `scrawl serve` (run as an
/// unprivileged user when the tests run as root, so mode bits mean something). Every case has an
/// expected outcome; for every case the daemon keeps running and the scan keeps its bytes and mtime.
///
/// Committed files: Tests/Fixtures/hostile (scripts/make-hostile-corpus.py, manifest.json says what
/// each must give). Made here: FIFO, socket, device node, symlinks, odd names, races, mode 000, an
/// unwritable folder, an invalid folder tag.
final class HostileInputTests: XCTestCase {
    struct Case: Decodable {
        var file: String
        var expect: String
        var why: String
        var errorContains: [String]

        enum CodingKeys: String, CodingKey {
            case file, expect, why
            case errorContains = "error_contains"
        }
    }

    struct Manifest: Decodable { var cases: [Case] }

    func testEveryHostileInputGetsItsExpectedOutcomeAndTheDaemonSurvives() throws {
        let harness = try ServeHarness(settleMs: 100)
        let launcher = Robustness.unprivilegedLauncher()
        let unprivileged = launcher != nil
        _ = try Robustness.useCheckpointCopy(in: harness)
        let inbox = harness.inbox
        let outside = harness.root + "/outside"
        try mkdir(outside)
        // Few tokens per read: this test is about outcomes, not text.
        try write("max_tokens = 2\n", to: inbox + "/.scrawl.toml")
        try Robustness.giveAway(harness.root)
        try harness.start(launcher: launcher ?? [])
        let trace = try SyscallTrace(pid: try XCTUnwrap(harness.process?.processIdentifier),
                                     logPath: harness.root + "/strace.log", harness: harness)
        var fingerprints: [String: Fingerprint] = [:]
        func remember(_ path: String) throws { fingerprints[path] = try Fingerprint(path) }

        // A slow scan first, so the race cases below find the worker busy.
        try mkdir(inbox + "/race")
        try mkdir(inbox + "/race/slow")
        // large.png with a high cap: the tiny model degenerates and is cut as a loop after ~300 tokens.
        try write("max_tokens = 1000\n", to: inbox + "/race/slow/.scrawl.toml")
        let tiny = try bytes(ServeHarness.fixture("qwen2vl/images/tiny.png"))
        let blocker = inbox + "/race/slow/blocker.png"
        try Robustness.place(try bytes(ServeHarness.fixture("qwen2vl/images/large.png")), at: blocker)
        try harness.waitFor("the blocker to be read", timeout: 60) { logged(harness.log(), path: blocker, event: "reading") }

        // Race victims: queued behind the blocker, then changed before the worker gets to them.
        let secret2 = outside + "/secret2.png"
        try Robustness.place(tiny, at: secret2)
        let victims = ["deleted", "replaced", "symlinked", "fifo"].map { inbox + "/race/\($0).png" }
        for (index, victim) in victims.enumerated() { try Robustness.place(uniquePNG(tiny, tag: "victim\(index)"), at: victim) }
        try harness.waitFor("the victims to be queued", timeout: 60) {
            victims.allSatisfy { logged(harness.log(), path: $0, event: "queued") }
        }
        let replacement = uniquePNG(tiny, tag: "replacement")
        try FileManager.default.removeItem(atPath: victims[0])
        try Robustness.place(replacement, at: victims[1])
        try FileManager.default.removeItem(atPath: victims[2])
        try FileManager.default.createSymbolicLink(atPath: victims[2], withDestinationPath: secret2)
        try FileManager.default.removeItem(atPath: victims[3])
        XCTAssertEqual(mkfifo(victims[3], 0o644), 0)
        let raceChangedInTime = !victims.contains { logged(harness.log(), path: $0, event: "reading") }
        XCTAssertTrue(raceChangedInTime, "the worker reached a victim before it was changed; the race cases prove nothing")
        try remember(secret2)

        // The committed corpus.
        let manifestData = try Data(contentsOf: Robustness.hostileFixtures.appendingPathComponent("manifest.json"))
        let cases = try JSONDecoder().decode(Manifest.self, from: manifestData).cases
        XCTAssertGreaterThanOrEqual(cases.count, 35)
        try mkdir(inbox + "/corpus")
        for item in cases {
            let path = try harness.drop("hostile/" + item.file, as: "corpus/" + item.file)
            try remember(path)
        }

        // Things that are not regular files, and symlinks.
        try mkdir(inbox + "/special")
        let special = inbox + "/special"
        XCTAssertEqual(mkfifo(special + "/fifo.jpg", 0o666), 0)
        let socketBound = bindSocket(at: special + "/sock.png")
        defer { if socketBound >= 0 { close(socketBound) } }
        XCTAssertGreaterThanOrEqual(socketBound, 0, "cannot make a socket in the inbox")
        let deviceMade = mknod(special + "/dev.jpg", S_IFCHR | 0o666, dev_t(0x103)  /* 1:3, like /dev/null */) == 0
        let secret = outside + "/secret.png"
        try Robustness.place(tiny, at: secret)
        try remember(secret)
        try FileManager.default.createSymbolicLink(atPath: special + "/outside.png", withDestinationPath: secret)
        try FileManager.default.createSymbolicLink(atPath: special + "/shadow.jpg", withDestinationPath: "/etc/shadow")
        try FileManager.default.createSymbolicLink(atPath: special + "/loop-a.jpg", withDestinationPath: special + "/loop-b.jpg")
        try FileManager.default.createSymbolicLink(atPath: special + "/loop-b.jpg", withDestinationPath: special + "/loop-a.jpg")
        try FileManager.default.createSymbolicLink(atPath: special + "/dangling.jpg", withDestinationPath: "/nonexistent/scan.jpg")
        try mkdir(outside + "/folder")
        let outsideInFolder = outside + "/folder/page.png"
        try Robustness.place(uniquePNG(tiny, tag: "outside-folder"), at: outsideInFolder)
        try remember(outsideInFolder)
        try FileManager.default.createSymbolicLink(atPath: special + "/linked-folder", withDestinationPath: outside + "/folder")
        let notRegular = [special + "/fifo.jpg", special + "/sock.png", special + "/outside.png", special + "/shadow.jpg",
                          special + "/loop-a.jpg", special + "/loop-b.jpg", special + "/dangling.jpg",
                          special + "/linked-folder/page.png"] + (deviceMade ? [special + "/dev.jpg"] : [])

        // Odd names.
        try mkdir(inbox + "/names")
        let names = inbox + "/names"
        let long255 = String(repeating: "n", count: 251) + ".png"
        let long250 = String(repeating: "m", count: 246) + ".png"
        let oddNames = ["with spaces (1).png", "new\nline.png", "-rf --no-preserve-root.png", "it's \"quoted\" \\ back.png",
                        "emoji 🧾 ünïcödé.png", "semi;colon$(touch x).png", long250]
        for (index, name) in oddNames.enumerated() {
            try Robustness.place(uniquePNG(tiny, tag: "name\(index)"), at: names + "/" + name)
            try remember(names + "/" + name)
        }
        try Robustness.place(uniquePNG(tiny, tag: "long255"), at: names + "/" + long255)
        try remember(names + "/" + long255)
        let nonUTF8Name: [UInt8] = Array("caf".utf8) + [0xE9] + Array(" latin1.png".utf8)
        try placeRawName(names, nonUTF8Name, bytes: uniquePNG(tiny, tag: "latin1"))

        // Permissions: a mode-000 scan, a folder the daemon cannot write sidecars into.
        var locked: String?, readOnlyScan: String?
        if unprivileged {
            try mkdir(inbox + "/perm")
            let path = inbox + "/perm/locked.png"
            try Robustness.place(uniquePNG(tiny, tag: "locked"), at: path)
            XCTAssertEqual(chmod(path, 0), 0)
            try remember(path)
            locked = path
            try mkdir(inbox + "/readonly")
            let scan = inbox + "/readonly/note.png"
            try Robustness.place(uniquePNG(tiny, tag: "readonly"), at: scan)
            XCTAssertEqual(chmod(inbox + "/readonly", 0o555), 0)
            try remember(scan)
            readOnlyScan = scan
        }

        // An invalid folder tag: logged, ignored, the folder keeps the inbox's settings.
        try mkdir(inbox + "/badtag")
        try write("model = \"qwen\"\nprompt = \"unterminated\nmax_tokens = [[[\n", to: inbox + "/badtag/.scrawl.toml")
        let badTagScan = inbox + "/badtag/note.png"
        try Robustness.place(uniquePNG(tiny, tag: "badtag"), at: badTagScan)
        try remember(badTagScan)

        // A sentinel last: once it is read, every file above went through intake.
        let sentinel = inbox + "/zz-sentinel.png"
        try Robustness.place(uniquePNG(tiny, tag: "sentinel"), at: sentinel)
        _ = try harness.sidecar(sentinel, timeout: 240)
        try Robustness.waitForEmptyQueue(harness, timeout: 240)
        XCTAssertTrue(harness.isRunning, "the daemon died:\n\(harness.log())")

        // The corpus: each case as the manifest says (failures also in `scrawl status --json`).
        let listedFailures = Set((try Robustness.status(harness)["recentFailures"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String })
        for item in cases {
            let path = inbox + "/corpus/" + item.file
            let json = sidecarJSON(path)
            let document = try Robustness.currentDocument(harness, path: path)
            let text = json?["text"] as? String, error = json?["error"] as? String
            switch item.expect {
            case "text":
                XCTAssertNotNil(text, "\(item.file) (\(item.why)): expected text, sidecar \(json ?? [:])")
                XCTAssertNil(error, "\(item.file): \(error ?? "")")
                XCTAssertEqual(document?["state"] as? String, "done", "\(item.file): catalog \(document ?? [:])")
                XCTAssertEqual(try? String(contentsOfFile: path + ".txt", encoding: .utf8), text.map { $0 + "\n" }, item.file)
            case "error", "either":
                if item.expect == "either" && text != nil {
                    XCTAssertEqual(document?["state"] as? String, "done", item.file)
                    continue
                }
                let message = try XCTUnwrap(error, "\(item.file) (\(item.why)): expected an error, sidecar \(json ?? [:])")
                XCTAssertNil(text, item.file)
                XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".txt"), "\(item.file): no .txt for a failure")
                for needle in item.errorContains {
                    XCTAssertTrue(message.lowercased().contains(needle.lowercased()), "\(item.file): '\(message)' lacks '\(needle)'")
                }
                XCTAssertTrue(message.contains(path), "\(item.file): the error names the file: \(message)")
                XCTAssertEqual(document?["state"] as? String, "failed", item.file)
                XCTAssertEqual(document?["error"] as? String, message, "\(item.file): the catalog has the sidecar's error")
                XCTAssertTrue(listedFailures.contains(path), "\(item.file): listed by scrawl status --json")
            case "ignored":
                XCTAssertNil(json, "\(item.file) is not an image: no sidecar")
                XCTAssertNil(document, "\(item.file) is not an image: not in the catalog")
            default:
                XCTFail("unknown expectation \(item.expect) for \(item.file)")
            }
        }

        // Not regular files and symlinks: never read, nothing written beside them or their targets.
        for path in notRegular {
            XCTAssertNil(sidecarJSON(path), "\(path): no sidecar")
            XCTAssertNil(try Robustness.currentDocument(harness, path: path), "\(path): not in the catalog")
        }
        for target in [secret, secret2, outsideInFolder, "/etc/shadow"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: target + ".json"), "a sidecar appeared beside \(target)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: target + ".txt"), "a sidecar appeared beside \(target)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside).sorted(), ["folder", "secret.png", "secret2.png"])
        if let trace {
            XCTAssertEqual(try trace.stop(linesNaming: [outside, "/etc/shadow", "/nonexistent"]), [],
                           "the daemon named a path outside the inbox in a file syscall")
        }
        if !deviceMade { print("HostileInputTests: mknod failed (not root?): the device-node case did not run") }

        // Races.
        XCTAssertNil(sidecarJSON(victims[0]), "deleted before it was read: nothing beside it")
        if let document = try Robustness.currentDocument(harness, path: victims[0]) {
            XCTAssertNotEqual(document["state"] as? String, "done", "a deleted scan is not searchable: \(document)")
        }
        let replaced = try XCTUnwrap(sidecarJSON(victims[1]), "the replaced scan is read with its new bytes")
        XCTAssertEqual((replaced["source"] as? [String: Any])?["sha256"] as? String, try sha256sum(victims[1]))
        XCTAssertNotNil(replaced["text"], "\(replaced)")
        XCTAssertEqual(try Robustness.currentDocument(harness, path: victims[1])?["state"] as? String, "done")
        for victim in victims[2...] {
            XCTAssertNil(sidecarJSON(victim), "\(victim) became a symlink/FIFO: nothing written beside it")
            XCTAssertNotEqual(try Robustness.currentDocument(harness, path: victim)?["state"] as? String, "done", victim)
        }

        // Names.
        for name in oddNames {
            let path = names + "/" + name
            let json = sidecarJSON(path)
            XCTAssertNotNil(json?["text"], "\(name.debugDescription): \(json ?? [:])")
            XCTAssertEqual((json?["source"] as? [String: Any])?["path"] as? String, path, name.debugDescription)
            XCTAssertEqual(try Robustness.currentDocument(harness, path: path)?["state"] as? String, "done", name.debugDescription)
        }
        // 255 bytes: no room for ".json" after it; the failure is in the catalog with a clear error.
        let longPath = names + "/" + long255
        let longDocument = try XCTUnwrap(try Robustness.currentDocument(harness, path: longPath), "255-byte name: in the catalog")
        XCTAssertEqual(longDocument["state"] as? String, "failed")
        XCTAssertTrue((longDocument["error"] as? String ?? "").contains("File name too long"), "\(longDocument)")
        // A name that is not UTF-8: read (a sidecar with the same raw bytes + ".json"), or at least not lost silently.
        let rawNames = try listRaw(names)
        let rawSidecar = rawNames.contains(nonUTF8Name + Array(".json".utf8))
        XCTAssertTrue(rawSidecar || harness.log().contains("file name is not valid UTF-8"),
                      "a non-UTF-8 name is neither read nor reported:\n\(rawNames.map { String(decoding: $0, as: UTF8.self) })")

        // Permissions.
        if let locked {
            XCTAssertNil(sidecarJSON(locked), "mode 000: nothing could be read")
            XCTAssertTrue(harness.log().contains("path=\(locked)") && harness.log().contains("Permission denied"),
                          "mode 000: the log names the file and the reason")
        }
        if let readOnlyScan {
            let document = try XCTUnwrap(try Robustness.currentDocument(harness, path: readOnlyScan), "unwritable folder: in the catalog")
            XCTAssertEqual(document["state"] as? String, "failed")
            XCTAssertTrue((document["error"] as? String ?? "").contains("cannot write sidecar"), "\(document)")
            let failures = try Robustness.status(harness)["recentFailures"] as? [[String: Any]] ?? []
            XCTAssertTrue(failures.contains { $0["path"] as? String == readOnlyScan }, "scrawl status --json lists it")
        } else {
            print("HostileInputTests: running as root without setpriv: mode-000 and unwritable-folder cases did not run")
        }

        // The invalid tag: logged with its file, the scan read with the inbox's prompt.
        XCTAssertTrue(harness.log().contains("folder tag ignored") && harness.log().contains(inbox + "/badtag/.scrawl.toml"))
        XCTAssertEqual(sidecarJSON(badTagScan)?["prompt"] as? String, "OCR the Image")

        // Every scan as it was.
        for (path, before) in fingerprints.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(try Fingerprint(path), before, "\(path.debugDescription) changed")
        }
        XCTAssertEqual(leftoverSidecarTemps(under: inbox), [])

        // Mode 000 fixed by the owner, then SIGHUP (rescan): the scan is read now, its bytes not having changed.
        if let locked {
            XCTAssertEqual(chmod(locked, 0o644), 0)
            harness.requestRescanForTest()
            let json = try harness.sidecar(locked, timeout: 60)
            XCTAssertNotNil(json["text"], "\(json)")
            XCTAssertEqual(try Fingerprint(locked), fingerprints[locked])
        }
        XCTAssertEqual(try harness.stop(), 0)

        // The rescan at start reports the non-UTF-8 name too (not only the inotify event).
        let reportsBefore = harness.log().components(separatedBy: "file name is not valid UTF-8").count
        try harness.start(launcher: launcher ?? [])
        try harness.waitFor("the start rescan to report the non-UTF-8 name", timeout: 30) {
            harness.log().components(separatedBy: "file name is not valid UTF-8").count > reportsBefore
        }
        XCTAssertEqual(try harness.stop(), 0)
    }

    // MARK: helpers

    private func mkdir(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Robustness.giveAway(path)
    }

    private func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    private func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func bindSocket(at path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { close(fd); return -1 }
        return fd
    }

    /// Creates a file whose name is raw bytes (not necessarily UTF-8), by a temp name and renameat.
    private func placeRawName(_ folder: String, _ name: [UInt8], bytes: [UInt8]) throws {
        let temp = folder + "/.incoming-raw"
        try Data(bytes).write(to: URL(fileURLWithPath: temp))
        let dir = open(folder, O_RDONLY | O_DIRECTORY)
        defer { close(dir) }
        let result = (name + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { renameat(AT_FDCWD, temp, dir, $0.baseAddress!) }
        }
        guard result == 0 else { throw HarnessError("renameat to a raw name failed: \(String(cString: strerror(errno)))") }
    }

    /// Raw names in a folder.
    private func listRaw(_ folder: String) throws -> [[UInt8]] {
        guard let dir = opendir(folder) else { throw HarnessError("opendir \(folder)") }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            names.append(name)
        }
        return names
    }
}
