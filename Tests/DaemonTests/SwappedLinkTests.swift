import Foundation
import Glibc
import XCTest
@testable import Daemon

/// A folder of the inbox swapped for a link between the check and the use (issue 10, item 8),
/// deterministically: the swap is made from the test seam the reader and the writer call once the
/// scan or the sidecar folder is open. Opened below the inbox's descriptor, the link is refused or
/// never followed; resolved by path twice (check, then use), the outside file is read or written.
final class SwappedLinkTests: XCTestCase {
    override func tearDown() {
        ScanBytes.afterOpenForTests = nil
        SidecarWriter.afterResolvingForTests = nil
        unsetenv("SCRAWL_NO_OPENAT2")
    }

    /// The folder is a link to outside when the scan is opened and real again when it is checked.
    func testAScanBehindAFolderLinkIsNeverReadEvenIfTheLinkIsGoneAtTheCheck() throws {
        for fallback in [false, true] {
            try withFallback(fallback) {
                let dir = try TemporaryDirectory()
                let (inbox, outside) = try makeInboxAndOutside(dir)
                try write("inside", to: inbox + "/sub/page.jpg")
                try write("outside", to: outside + "/page.jpg")
                try swap(inbox + "/sub", for: outside, parking: dir.resolved + "/parked")
                ScanBytes.afterOpenForTests = { _ in try? self.unswap(inbox + "/sub", parking: dir.resolved + "/parked") }
                do {
                    let scan = try ScanBytes.read(inbox + "/sub/page.jpg", inboxRoot: inbox)
                    XCTAssertNotEqual(String(decoding: scan.bytes, as: UTF8.self), "outside", "fallback \(fallback): read through the link")
                } catch let error as ScanReadError {
                    XCTAssertEqual(error, .linkOnTheWay(path: inbox + "/sub/page.jpg", inbox: inbox), "fallback \(fallback)")
                }
            }
        }
    }

    /// The sidecar folder is real when it is checked and a link to outside when the sidecar is written.
    func testASidecarIsNeverWrittenThroughAFolderSwappedAfterTheCheck() throws {
        for fallback in [false, true] {
            try withFallback(fallback) {
                let dir = try TemporaryDirectory()
                let (inbox, outside) = try makeInboxAndOutside(dir)
                SidecarWriter.afterResolvingForTests = { _ in
                    try? self.swap(inbox + "/sub", for: outside, parking: dir.resolved + "/parked")
                }
                let paths = SidecarPaths(text: inbox + "/sub/page.jpg.txt", json: inbox + "/sub/page.jpg.json", root: inbox)
                _ = try? SidecarSet.write(sampleDocument(), to: paths, scanMode: 0o644)
                XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [], "fallback \(fallback): written through the link")
                // The folder that was opened got them (it is parked now, not gone).
                XCTAssertEqual(FolderWalker.entries(of: dir.resolved + "/parked").sorted(), ["page.jpg.json", "page.jpg.txt"],
                               "fallback \(fallback)")
            }
        }
    }

    /// A link planted before the call: refused with the reason, nothing made or written outside.
    func testALinkedFolderIsRefusedWithTheReason() throws {
        for fallback in [false, true] {
            try withFallback(fallback) {
                let dir = try TemporaryDirectory()
                let (inbox, outside) = try makeInboxAndOutside(dir)
                try write("outside", to: outside + "/page.jpg")
                try swap(inbox + "/sub", for: outside, parking: dir.resolved + "/parked")
                XCTAssertThrowsError(try ScanBytes.read(inbox + "/sub/page.jpg", inboxRoot: inbox)) { error in
                    XCTAssertEqual(error as? ScanReadError, .linkOnTheWay(path: inbox + "/sub/page.jpg", inbox: inbox))
                    XCTAssertTrue("\(error)".contains("symbolic link"), "\(error)")
                }
                let paths = SidecarPaths(text: inbox + "/sub/deeper/page.jpg.txt", json: inbox + "/sub/deeper/page.jpg.json", root: inbox)
                XCTAssertThrowsError(try SidecarSet.write(sampleDocument(), to: paths, scanMode: 0o644)) { error in
                    XCTAssertTrue("\(error)".contains("symbolic link"), "\(error)")
                }
                XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), ["page.jpg"], "fallback \(fallback)")
            }
        }
    }

    /// A folder tag behind a folder swapped for a link is not read: the folder keeps its parent's settings.
    func testAFolderTagBehindALinkIsNotRead() throws {
        for fallback in [false, true] {
            try withFallback(fallback) {
                let dir = try TemporaryDirectory()
                let (inboxPath, outside) = try makeInboxAndOutside(dir)
                try write("prompt = \"Outside\"\n", to: outside + "/.scrawl.toml")
                try swap(inboxPath + "/sub", for: outside, parking: dir.resolved + "/parked")
                let inbox = InboxConfig(path: inboxPath)
                let settings = FolderTagResolver(logger: quietLogger).settings(for: inboxPath + "/sub/page.jpg", in: inbox)
                XCTAssertEqual(settings.prompt, inbox.prompt, "fallback \(fallback): the outside tag was applied")
            }
        }
    }

    // MARK: helpers

    private func withFallback(_ fallback: Bool, _ body: () throws -> Void) rethrows {
        if fallback { setenv("SCRAWL_NO_OPENAT2", "1", 1) } else { unsetenv("SCRAWL_NO_OPENAT2") }
        defer { unsetenv("SCRAWL_NO_OPENAT2") }
        try body()
    }

    private func makeInboxAndOutside(_ dir: TemporaryDirectory) throws -> (String, String) {
        let inbox = dir.resolved + "/inbox", outside = dir.resolved + "/outside"
        for folder in [inbox + "/sub", outside] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        return (inbox, outside)
    }

    /// Moves `folder` to `parking` and puts a link to `target` in its place.
    private func swap(_ folder: String, for target: String, parking: String) throws {
        guard rename(folder, parking) == 0, symlink(target, folder) == 0 else {
            throw SidecarError(path: folder, operation: "swap in the link", errno: errno)
        }
    }

    /// Takes the link away and puts the parked folder back.
    private func unswap(_ folder: String, parking: String) throws {
        guard unlink(folder) == 0, rename(parking, folder) == 0 else {
            throw SidecarError(path: folder, operation: "swap back", errno: errno)
        }
    }

    private func sampleDocument() -> SidecarDocument {
        SidecarDocument(source: .init(path: "/in/sub/page.jpg", sha256: String(repeating: "0", count: 64), bytes: 10, format: "jpeg",
                                      width: 20, height: 30),
                        model: .init(name: "qwen2-vl", checkpoint: "/m", configSHA256: String(repeating: "1", count: 64)),
                        prompt: "OCR the Image", text: "hello", tokens: 1, finishReason: "eos", timingsMs: ["total": 1],
                        error: nil, reused: nil, scrawlVersion: ScrawlVersion.current, createdAt: SidecarSet.timestamp())
    }
}
