import Foundation
import Glibc
import XCTest

/// Folder tags are bounded input (issue 10, item 3): a sparse 8 GiB `.scrawl.toml` in a folder of
/// an inbox is refused from its size, the scan beside it is read with the parent's settings, and the
/// daemon survives it at every start. The daemon runs with its address space capped at 4 GiB, so a
/// daemon that reads the tag whole fails at once instead of taking 16 GiB of a shared machine.
final class FolderTagBoundsTests: XCTestCase {
    func testASparse8GiBTagIsRefusedAndTheDaemonSurvivesEveryStart() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else { throw XCTSkip("prlimit (util-linux) is not installed") }
        let harness = try ServeHarness()
        let folder = harness.inbox + "/huge"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let tag = folder + "/.scrawl.toml"
        FileManager.default.createFile(atPath: tag, contents: Data("prompt = \"from the tag\"\n".utf8))
        XCTAssertEqual(truncate(tag, 8 << 30), 0)
        let capped = ["/usr/bin/prlimit", "--as=\(4 << 30)", "--"]
        try harness.start(launcher: capped)
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "huge/note.png")
        let json = try harness.sidecar(scan)
        XCTAssertNotNil(json["text"] as? String, "\(json)")
        XCTAssertNotEqual(json["prompt"] as? String, "from the tag")
        XCTAssertTrue(harness.log().contains("larger than the 64 KiB limit"), harness.log())
        XCTAssertLessThan(try harness.bytesRead(), 64 << 20, "the tag was read")
        XCTAssertEqual(try harness.stop(), 0)

        // The start rescan takes the scan again (and looks at its folder's tag): still no crash.
        try harness.start(launcher: capped)
        let sentinel = try harness.drop("qwen2vl/images/tiny.png", as: "huge/sentinel.png")
        _ = try harness.sidecar(sentinel)
        XCTAssertTrue(harness.isRunning)
        XCTAssertEqual(try harness.stop(), 0)
    }
}
