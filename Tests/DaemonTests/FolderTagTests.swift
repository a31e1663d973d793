import Foundation
import XCTest
@testable import Daemon

final class FolderTagTests: XCTestCase {
    func testNearestTagWinsPerKeyAndEditsTakeEffect() throws {
        let dir = try TemporaryDirectory()
        let inbox = InboxConfig(path: dir.resolved, prompt: "Inbox prompt", maxTokens: 100)
        let letters = dir.resolved + "/letters"
        let old = letters + "/1890"
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        let resolver = FolderTagResolver(logger: quietLogger)

        XCTAssertEqual(resolver.settings(for: old + "/a.jpg", in: inbox), inbox, "no tags: the inbox's settings")

        try write("model = \"aya\"\nprompt = \"Letters\"\n", to: letters + "/.scrawl.toml")
        try write("prompt = \"Old letters\"\n", to: old + "/.scrawl.toml")
        var settings = resolver.settings(for: old + "/a.jpg", in: inbox)
        XCTAssertEqual(settings.prompt, "Old letters", "the nearest tag wins")
        XCTAssertEqual(settings.model, .aya, "keys the nearest tag does not set come from the tag above")
        XCTAssertEqual(settings.maxTokens, 100)
        XCTAssertEqual(resolver.settings(for: letters + "/b.jpg", in: inbox).prompt, "Letters")
        XCTAssertEqual(resolver.settings(for: dir.resolved + "/c.jpg", in: inbox).prompt, "Inbox prompt")

        // Editing a tag takes effect for the next scan (size changes, so no mtime-granularity race).
        try write("prompt = \"Very old letters, in Kurrent\"\nmax_tokens = 64\n", to: old + "/.scrawl.toml")
        settings = resolver.settings(for: old + "/a.jpg", in: inbox)
        XCTAssertEqual(settings.prompt, "Very old letters, in Kurrent")
        XCTAssertEqual(settings.maxTokens, 64)

        // Removing it falls back to the parent's.
        try FileManager.default.removeItem(atPath: old + "/.scrawl.toml")
        XCTAssertEqual(resolver.settings(for: old + "/a.jpg", in: inbox).prompt, "Letters")
    }

    func testInvalidTagFallsBackToParentSettings() throws {
        let dir = try TemporaryDirectory()
        let inbox = InboxConfig(path: dir.resolved, prompt: "Inbox prompt")
        let sub = dir.resolved + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        try write("prompt = \"Parent\"\n", to: dir.resolved + "/.scrawl.toml")
        try write("prompt = \"Child\"\nrecursive = false\n", to: sub + "/.scrawl.toml")
        let resolver = FolderTagResolver(logger: quietLogger)
        XCTAssertEqual(resolver.settings(for: sub + "/a.jpg", in: inbox).prompt, "Parent")
    }

    /// A tag is bounded input: over 64 KiB it is refused unread, a prompt over 4 KiB is refused;
    /// the folder keeps its parent's settings each time.
    func testOversizedTagsAndLongPromptsAreRefused() throws {
        let dir = try TemporaryDirectory()
        let inbox = InboxConfig(path: dir.resolved, prompt: "Inbox prompt")
        let resolver = FolderTagResolver(logger: quietLogger)
        for name in ["big", "prompt"] {
            try FileManager.default.createDirectory(atPath: dir.resolved + "/" + name, withIntermediateDirectories: true)
        }
        // Valid TOML, padded past the limit with a comment: parsed today, refused with the bound.
        try write("prompt = \"Big\"\n#" + String(repeating: "x", count: 70_000) + "\n", to: dir.resolved + "/big/.scrawl.toml")
        XCTAssertEqual(resolver.settings(for: dir.resolved + "/big/a.png", in: inbox).prompt, "Inbox prompt")
        try write("prompt = \"" + String(repeating: "p", count: 5000) + "\"\n", to: dir.resolved + "/prompt/.scrawl.toml")
        XCTAssertEqual(resolver.settings(for: dir.resolved + "/prompt/a.png", in: inbox).prompt, "Inbox prompt")
    }

    /// A FIFO is never waited on; a sparse 8 GiB tag is refused from its size alone; the errors say why.
    func testFIFOAndSparseTagsAreRefusedUnread() throws {
        let dir = try TemporaryDirectory()
        let inbox = InboxConfig(path: dir.resolved, prompt: "Inbox prompt")
        let resolver = FolderTagResolver(logger: quietLogger)
        for name in ["fifo", "sparse"] {
            try FileManager.default.createDirectory(atPath: dir.resolved + "/" + name, withIntermediateDirectories: true)
        }
        XCTAssertEqual(mkfifo(dir.resolved + "/fifo/.scrawl.toml", 0o600), 0)
        XCTAssertThrowsError(try BoundedFileReader.read(dir.resolved + "/fifo/.scrawl.toml", limit: 100))
        let sparse = dir.resolved + "/sparse/.scrawl.toml"
        try write("prompt = \"Sparse\"\n", to: sparse)
        XCTAssertEqual(truncate(sparse, 8 << 30), 0)
        XCTAssertThrowsError(try BoundedFileReader.read(sparse, limit: FolderTagResolver.maxTagBytes)) { error in
            XCTAssertEqual(error as? ConfigError, .tooLarge(file: sparse, bytes: 8 << 30, limit: 64 << 10))
            XCTAssertTrue("\(error)".contains("larger than the 64 KiB limit"), "\(error)")
        }
        XCTAssertEqual(resolver.settings(for: dir.resolved + "/sparse/a.png", in: inbox).prompt, "Inbox prompt")
        XCTAssertThrowsError(try FolderSettings.parseTag("prompt = \"" + String(repeating: "é", count: 2049) + "\"\n", file: "/in/t")) {
            XCTAssertEqual(($0 as? ConfigError)?.key, "prompt")
            XCTAssertTrue("\($0)".contains("4098 bytes is longer than the 4096-byte limit"), "\($0)")
        }
        XCTAssertEqual(try FolderSettings.parseTag("prompt = \"" + String(repeating: "p", count: 4096) + "\"\n", file: "t").prompt?.count, 4096)
    }

    func testTagErrorsNameFileLineAndKey() {
        XCTAssertThrowsError(try FolderSettings.parseTag("# tag\nprompt = \"x\"\nrecursive = false\n", file: "/in/.scrawl.toml")) { error in
            XCTAssertEqual((error as? ConfigError)?.line, 3)
            XCTAssertEqual((error as? ConfigError)?.key, "recursive")
            XCTAssertTrue("\(error)".hasPrefix("/in/.scrawl.toml:3:"), "\(error)")
        }
        XCTAssertThrowsError(try FolderSettings.parseTag("model = \"gpt\"\n", file: "/in/.scrawl.toml")) { error in
            XCTAssertEqual((error as? ConfigError)?.line, 1)
        }
        XCTAssertEqual(try FolderSettings.parseTag("max_tokens = 12\n", file: "t"), FolderSettings(maxTokens: 12))
    }

    func testExampleConfigFileParsesToTheDocumentedDefaults() throws {
        let example = fixture("../../systemd/scrawl.toml").path
        let config = try ScrawlConfig.load(path: example, explicit: true)
        XCTAssertEqual(config.stateDir, ScrawlConfig.defaultStateDir)
        XCTAssertEqual(config.models, .defaults(stateDir: ScrawlConfig.defaultStateDir))
        XCTAssertEqual(config.daemon, DaemonSettings())
        XCTAssertEqual(config.inboxes, [InboxConfig(path: "/srv/scans")])
    }
}
