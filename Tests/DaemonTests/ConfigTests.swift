import XCTest
@testable import Daemon

final class ConfigTests: XCTestCase {
    func testMissingDefaultFileGivesDefaults() throws {
        let config = try ScrawlConfig.load(path: "/nonexistent/scrawl.toml", explicit: false)
        XCTAssertEqual(config.stateDir, "/var/lib/scrawl")
        XCTAssertEqual(config.catalogPath, "/var/lib/scrawl/catalog.sqlite")
        XCTAssertEqual(config.models.qwen, "/var/lib/scrawl/models/qwen2-vl-ocr-2b")
        XCTAssertEqual(config.models.aya, "/var/lib/scrawl/models/aya-vision-8b")
        XCTAssertTrue(config.inboxes.isEmpty)
        XCTAssertEqual(config.daemon, DaemonSettings())
    }

    func testMissingExplicitFileIsAnError() {
        XCTAssertThrowsError(try ScrawlConfig.load(path: "/nonexistent/scrawl.toml", explicit: true)) { error in
            XCTAssertEqual((error as? ConfigError)?.file, "/nonexistent/scrawl.toml")
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
    }

    func testFullFileAndInboxDefaults() throws {
        let text = """
        state_dir = "/srv/state"
        [daemon]
        log_level = "debug"
        rescan_interval_s = 60
        idle_unload_s = 30
        stop_grace_s = 3
        [models]
        aya = "/opt/aya"
        [[inbox]]
        path = "/srv/scans/"
        [[inbox]]
        path = "/srv/other"
        model = "aya"
        prompt = "Transcribe"
        max_tokens = 200
        recursive = false
        sidecar_dir = "/srv/text"
        settle_ms = 100
        max_pixels = 500000
        """
        let config = try ScrawlConfig.parse(text, file: "t.toml")
        XCTAssertEqual(config.stateDir, "/srv/state")
        XCTAssertEqual(config.models.qwen, "/srv/state/models/qwen2-vl-ocr-2b", "model default follows state_dir")
        XCTAssertEqual(config.models.aya, "/opt/aya")
        XCTAssertEqual(config.daemon, DaemonSettings(logLevel: "debug", rescanIntervalS: 60, idleUnloadS: 30, stopGraceS: 3))
        XCTAssertEqual(config.inboxes.count, 2)
        XCTAssertEqual(config.inboxes[0], InboxConfig(path: "/srv/scans"))
        XCTAssertEqual(config.inboxes[0].prompt, "OCR the Image")
        XCTAssertEqual(config.inboxes[0].maxTokens, 1024)
        XCTAssertEqual(config.inboxes[0].maxPixels, 1_003_520)
        XCTAssertTrue(config.inboxes[0].recursive)
        XCTAssertNil(config.inboxes[0].sidecarDir)
        XCTAssertEqual(config.inboxes[1], InboxConfig(path: "/srv/other", model: .aya, prompt: "Transcribe", maxTokens: 200,
                                                      recursive: false, sidecarDir: "/srv/text", settleMs: 100, maxPixels: 500_000))
        XCTAssertEqual(config.inbox(containing: "/srv/scans/a/b.jpg")?.path, "/srv/scans")
        XCTAssertNil(config.inbox(containing: "/srv/scansX/b.jpg"))
    }

    func testSetStateDirMovesDefaultModelPathsOnly() {
        var config = ScrawlConfig(models: ModelRegistry(qwen: "/var/lib/scrawl/models/qwen2-vl-ocr-2b", aya: "/opt/aya"))
        config.setStateDir("/home/u/.local/state/scrawl")
        XCTAssertEqual(config.models.qwen, "/home/u/.local/state/scrawl/models/qwen2-vl-ocr-2b")
        XCTAssertEqual(config.models.aya, "/opt/aya")
        XCTAssertEqual(config.catalogPath, "/home/u/.local/state/scrawl/catalog.sqlite")
    }

    func testUnknownKeyNamesLineAndKey() {
        let text = """
        # scrawl
        [daemon]
        log_level = "info"

        [[inbox]]
        path = "/a"
        [[inbox]]
        path = "/b"
        promt = "typo"
        """
        assertError(text, line: 9, key: "inbox[2].promt", contains: "unknown key")
    }

    func testUnknownTableNamesItsLine() {
        assertError("state_dir = \"/x\"\n\n[deamon]\nlog_level = \"info\"\n", line: 3, key: "deamon", contains: "unknown key")
    }

    func testWrongTypeNamesLineAndKey() {
        assertError("[[inbox]]\npath = \"/a\"\nmax_tokens = \"many\"  # oops\n", line: 3, key: "inbox[1].max_tokens",
                    contains: "whole number")
        assertError("[daemon]\nrescan_interval_s = true\n", line: 2, key: "daemon.rescan_interval_s", contains: "whole number")
    }

    func testInvalidValuesAreRejected() {
        assertError("[[inbox]]\npath = \"relative/dir\"\n", line: 2, key: "inbox[1].path", contains: "absolute")
        assertError("[[inbox]]\npath = \"/a\"\nmodel = \"gpt\"\n", line: 3, key: "inbox[1].model", contains: "qwen, aya")
        assertError("[[inbox]]\npath = \"/a\"\nmax_tokens = 0\n", line: 3, key: "inbox[1].max_tokens", contains: "out of range")
        assertError("[daemon]\nlog_level = \"loud\"\n", line: 2, key: "daemon.log_level", contains: "not one of")
        assertError("[[inbox]]\nmodel = \"aya\"\n", line: 1, key: "inbox[1].path", contains: "needs path")
        assertError("[[inbox]]\npath = \"/a\"\n[[inbox]]\npath = \"/a/\"\n", line: 4, key: "inbox[2].path", contains: "twice")
    }

    func testSyntaxErrorCarriesLine() {
        XCTAssertThrowsError(try ScrawlConfig.parse("state_dir = \"/x\"\n[daemon\nlog_level = 1\n", file: "bad.toml")) { error in
            guard case .syntax(let file, let line, _, _)? = error as? ConfigError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "bad.toml")
            XCTAssertEqual(line, 2)
            XCTAssertTrue("\(error)".hasPrefix("bad.toml:2:"), "\(error)")
        }
    }

    func testLoadReadsFileFromDisk() throws {
        let dir = try TemporaryDirectory()
        let file = dir.url.appendingPathComponent("scrawl.toml").path
        try "[[inbox]]\npath = \"/in\"\nprompt = \"Read it\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        let config = try ScrawlConfig.load(path: file, explicit: true)
        XCTAssertEqual(config.inboxes.map(\.prompt), ["Read it"])
        XCTAssertEqual(config.sourcePath, file)
    }

    private func assertError(_ text: String, line: Int, key: String, contains fragment: String,
                             file: StaticString = #filePath, sourceLine: UInt = #line) {
        XCTAssertThrowsError(try ScrawlConfig.parse(text, file: "/etc/scrawl/scrawl.toml"), file: file, line: sourceLine) { error in
            guard let error = error as? ConfigError else { return XCTFail("\(error)", file: file, line: sourceLine) }
            XCTAssertEqual(error.line, line, "\(error)", file: file, line: sourceLine)
            XCTAssertEqual(error.key, key, "\(error)", file: file, line: sourceLine)
            XCTAssertTrue(error.description.hasPrefix("/etc/scrawl/scrawl.toml:\(line):"), error.description, file: file, line: sourceLine)
            XCTAssertTrue(error.description.contains(fragment), error.description, file: file, line: sourceLine)
        }
    }
}
