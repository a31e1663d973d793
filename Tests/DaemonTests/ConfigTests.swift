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

    // MARK: the model registry ([models.NAME])

    func testModelTablesDefineLocalAndRemoteModelsUsableByInboxesAndTags() throws {
        let text = """
        [models]
        qwen = "/opt/qwen"
        other = "/opt/other"
        [models.gpu]
        url = "http://gpu-box:8000/v1"
        model = "prithivMLmods/Qwen2-VL-OCR-2B-Instruct"
        api_key_credential = "gpu-box.key"
        max_in_flight = 8
        timeout_s = 120
        [models.local2]
        path = "/opt/local2"
        [[inbox]]
        path = "/srv/scans"
        model = "gpu"
        """
        let config = try ScrawlConfig.parse(text, file: "/etc/scrawl/scrawl.toml")
        XCTAssertEqual(config.models.names.map(\.rawValue), ["qwen", "aya", "gpu", "local2", "other"])
        XCTAssertEqual(config.models.qwen, "/opt/qwen", "the first form still works")
        XCTAssertEqual(config.models.aya, "/var/lib/scrawl/models/aya-vision-8b")
        XCTAssertEqual(config.models.spec(named: "other")?.checkpointPath, "/opt/other")
        XCTAssertEqual(config.models.spec(named: "local2")?.checkpointPath, "/opt/local2")
        let gpu = try XCTUnwrap(config.models.spec(named: "gpu")?.remote)
        XCTAssertEqual(gpu.url.absoluteString, "http://gpu-box:8000/v1")
        XCTAssertEqual(gpu.model, "prithivMLmods/Qwen2-VL-OCR-2B-Instruct")
        XCTAssertEqual(gpu.apiKey, .credential(name: "gpu-box.key"))
        XCTAssertEqual([gpu.maxInFlight, gpu.timeoutS], [8, 120])
        XCTAssertEqual(config.inboxes.first?.model.rawValue, "gpu")
        // Defaults of a remote table.
        let plain = try ScrawlConfig.parse("[models.a]\nurl = \"https://h/v1\"\nmodel = \"m\"\napi_key_file = \"/k\"\n", file: "c")
        let a = try XCTUnwrap(plain.models.spec(named: "a")?.remote)
        XCTAssertEqual([a.maxInFlight, a.timeoutS], [4, 600])
        XCTAssertEqual(a.apiKey, .file(path: "/k"))
        // A folder tag may name any configured model, and no other.
        XCTAssertEqual(try FolderSettings.parseTag("model = \"gpu\"\n", file: "t", models: config.models.names).model?.rawValue, "gpu")
        XCTAssertThrowsError(try FolderSettings.parseTag("model = \"gpu\"\n", file: "t"))
        // The state directory moves the default checkpoints, not the configured ones.
        var moved = config
        moved.setStateDir("/srv/state")
        XCTAssertEqual(moved.models.aya, "/srv/state/models/aya-vision-8b")
        XCTAssertEqual(moved.models.qwen, "/opt/qwen")
        XCTAssertEqual(moved.models.spec(named: "gpu"), config.models.spec(named: "gpu"))
    }

    func testModelTableErrorsNameTheKey() {
        assertError("[models]\n\"bad name\" = \"/x\"\n", line: 2, key: "models.bad name", contains: "not a model name")
        assertError("[models.gpu]\nurl = \"http://h/v1\"\n", line: 2, key: "models.gpu.url", contains: "needs model =")
        assertError("[models.gpu]\nurl = \"ftp://h/v1\"\nmodel = \"m\"\n", line: 2, key: "models.gpu.url", contains: "http or https")
        assertError("[models.gpu]\nurl = \"http://u:secret@h/v1\"\nmodel = \"m\"\n", line: 2, key: "models.gpu.url",
                    contains: "api_key_file")
        assertError("[models.gpu]\nmodel = \"m\"\n", line: 1, key: "models.gpu.path", contains: "needs path =")
        assertError("[models.gpu]\npath = \"/p\"\nurl = \"http://h/v1\"\n", line: 3, key: "models.gpu.url", contains: "not both")
        assertError("[models.gpu]\npath = \"/p\"\nmax_in_flight = 2\n", line: 3, key: "models.gpu.max_in_flight",
                    contains: "only a remote model")
        assertError("[models.gpu]\nurl = \"http://h/v1\"\nmodel = \"m\"\nmax_in_flight = 0\n", line: 4,
                    key: "models.gpu.max_in_flight", contains: "out of range")
        assertError("[models.gpu]\nurl = \"http://h/v1\"\nmodel = \"m\"\napi_key = \"sk-1\"\n", line: 4,
                    key: "models.gpu.api_key", contains: "api_key_file")
        assertError("[models.gpu]\nurl = \"http://h/v1\"\nmodel = \"m\"\napi_key_file = \"/k\"\napi_key_credential = \"k\"\n",
                    line: 5, key: "models.gpu.api_key_credential", contains: "not both")
        assertError("[models.gpu]\nurl = \"http://h/v1\"\nmodel = \"m\"\n[[inbox]]\npath = \"/a\"\nmodel = \"gpx\"\n", line: 6,
                    key: "inbox[1].model", contains: "qwen, aya, gpu")
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

final class WeightsConfigTests: XCTestCase {
    func testWeightsIsACheckpointOptionOnly() throws {
        let config = try ScrawlConfig.parse("""
            [models.small]
            path = "/srv/checkpoints/qwen"
            weights = "int8"
            [[inbox]]
            path = "/srv/scans"
            model = "small"
            """, file: "/etc/scrawl/scrawl.toml")
        XCTAssertEqual(config.models.spec(named: "small")?.weights, "int8")
        XCTAssertEqual(config.models.spec(named: "qwen")?.weights, "checkpoint")
        XCTAssertThrowsError(try ScrawlConfig.parse("""
            [models.small]
            path = "/srv/checkpoints/qwen"
            weights = "int4"
            """, file: "c.toml")) { error in XCTAssertTrue("\(error)".contains("weights"), "\(error)") }
        XCTAssertThrowsError(try ScrawlConfig.parse("""
            [models.gpu]
            url = "http://gpu:8000/v1"
            model = "m"
            weights = "int8"
            """, file: "c.toml")) { error in XCTAssertTrue("\(error)".contains("weights"), "\(error)") }
    }
}
