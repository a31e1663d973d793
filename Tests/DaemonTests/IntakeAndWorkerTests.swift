import Catalog
import Foundation
import Inference
import XCTest
@testable import Daemon

final class IntakeAndWorkerTests: XCTestCase {
    func testFormatIsSniffedFromBytesNotTheName() throws {
        let sandbox = try DaemonSandbox()
        let intake = sandbox.intake()
        let png = try sandbox.drop("imaging/decode/exif6.png", as: "scan-without-extension")
        guard case .queued = intake.take(png) else { return XCTFail("a PNG without an extension is a scan") }
        let disguised = try sandbox.drop("imaging/decode/baseline444.jpg", as: "really-a-jpeg.png")
        guard case .queued = intake.take(disguised) else { return XCTFail("not queued") }
        try write("PK\u{03}\u{04} a word document", to: sandbox.inbox + "/report.docx")
        if case .ignored = intake.take(sandbox.inbox + "/report.docx") {} else { XCTFail("a non-scan without a scan's name is ignored") }
        try write("junk", to: sandbox.inbox + "/junk.jpg")
        guard case .queued = intake.take(sandbox.inbox + "/junk.jpg") else {
            return XCTFail("a non-image NAMED like an image is queued so that it fails visibly")
        }
        var formats: [String: String] = [:]
        while let job = try sandbox.catalog.claimNextJob() { formats[(job.path as NSString).lastPathComponent] = job.format }
        XCTAssertEqual(formats, ["scan-without-extension": "png", "really-a-jpeg.png": "jpeg", "junk.jpg": "unknown"])
    }

    func testWorkerReadsWritesSidecarsAndIndexes() throws {
        let sandbox = try DaemonSandbox { $0.maxPixels = 123_456 }
        let scan = try sandbox.drop("imaging/decode/baseline444.jpg", as: "letters/note.jpg")
        chmod(scan, 0o644)
        guard case .queued = sandbox.intake().take(scan) else { return XCTFail("not queued") }
        let loader = RecordingLoader()
        sandbox.worker(loader: loader).drain()

        XCTAssertEqual(loader.loads.map(\.0), [.qwen])
        XCTAssertEqual(loader.loads.first?.1, sandbox.config.models.qwen)
        let request = try XCTUnwrap(loader.engine.requests.first)
        XCTAssertEqual(request.prompt, "OCR the Image")
        XCTAssertEqual(request.maxNewTokens, 1024)
        XCTAssertEqual(request.maxPixels, 123_456, "the inbox's max_pixels reaches the engine")
        XCTAssertTrue(request.greedy)

        let text = try String(contentsOfFile: scan + ".txt", encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("scribble "), text)
        let json = try sandbox.json(at: scan + ".json")
        XCTAssertEqual(json["text"] as? String, text.trimmingCharacters(in: .newlines))
        XCTAssertEqual(json["tokens"] as? Int, 3)
        let source = try XCTUnwrap(json["source"] as? [String: Any])
        XCTAssertEqual(source["format"] as? String, "jpeg")
        XCTAssertEqual(source["sha256"] as? String, SHA256.hex(of: try fixtureBytes("imaging/decode/baseline444.jpg")))
        let image = try XCTUnwrap(loader.engine.images.first)
        XCTAssertEqual(source["width"] as? Int, image.width)
        XCTAssertEqual(FileStatus.lstat(scan + ".txt")?.mode, 0o640)

        let hits = try sandbox.catalog.search(SearchQuery(text: "scribble"))
        XCTAssertEqual(hits.map(\.path), [scan])
        XCTAssertEqual(try sandbox.catalog.status(recentFailures: 0).count(.done), 1)
    }

    func testTaggedFolderPromptReachesTheEngineAndTheSidecar() throws {
        let sandbox = try DaemonSandbox()
        let scan = try sandbox.drop("imaging/decode/baseline444.jpg", as: "kurrent/page.jpg")
        try write("prompt = \"Transcribe Kurrent\"\nmax_tokens = 77\n", to: sandbox.inbox + "/kurrent/.scrawl.toml")
        _ = sandbox.intake().take(scan)
        let loader = RecordingLoader()
        sandbox.worker(loader: loader).drain()
        XCTAssertEqual(loader.engine.requests.map(\.prompt), ["Transcribe Kurrent"])
        XCTAssertEqual(loader.engine.requests.map(\.maxNewTokens), [77])
        XCTAssertEqual(try sandbox.json(at: scan + ".json")["prompt"] as? String, "Transcribe Kurrent")
    }

    func testFailuresGetAnErrorSidecarAndTheWorkerGoesOn() throws {
        let sandbox = try DaemonSandbox()
        let intake = sandbox.intake()
        let damaged = try sandbox.drop("imaging/decode/bitflip.jpg", as: "damaged.jpg")
        let aya = try sandbox.drop("imaging/decode/baseline444.jpg", as: "aya/page.jpg")
        try write("model = \"aya\"\n", to: sandbox.inbox + "/aya/.scrawl.toml")
        let good = try sandbox.drop("imaging/decode/exif6.png", as: "good.png")
        for path in [damaged, aya, good] { _ = intake.take(path) }
        let loader = RecordingLoader()
        sandbox.worker(loader: loader).drain()

        let damagedError = try XCTUnwrap(try sandbox.json(at: damaged + ".json")["error"] as? String)
        XCTAssertTrue(damagedError.contains("cannot decode \(damaged)"), damagedError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: damaged + ".txt"))
        // A model that is not there yet is not the scan's fault: it waits in the queue, nothing fails.
        XCTAssertFalse(FileManager.default.fileExists(atPath: aya + ".json"), "no error sidecar for a missing model")
        XCTAssertTrue(FileManager.default.fileExists(atPath: good + ".txt"), "the worker went on past the failure and the wait")

        let status = try sandbox.catalog.status(recentFailures: 5)
        XCTAssertEqual(status.count(.failed), 1)
        XCTAssertEqual(status.count(.done), 1)
        XCTAssertEqual(status.count(.queued), 1, "the aya scan waits for its model")
        XCTAssertEqual(Set(status.recentFailures.map(\.path)), [damaged])
        XCTAssertEqual(status.problems.map(\.source), ["model aya"])
        XCTAssertEqual(status.problems.first?.message, "model not found at \(sandbox.config.models.aya): run `scrawl models pull aya` "
            + "(or set [models] aya = \"/path\"); the scans wait in the queue and are read once it is there")
    }

    func testEngineErrorAndMissingModelAreRecorded() throws {
        let sandbox = try DaemonSandbox()
        let scan = try sandbox.drop("imaging/decode/baseline444.jpg", as: "a.jpg")
        _ = sandbox.intake().take(scan)
        let loader = RecordingLoader()
        loader.engine.failure = OCRError.imageRejected(reason: "too small")
        sandbox.worker(loader: loader).drain()
        let json = try sandbox.json(at: scan + ".json")
        XCTAssertEqual(json["error"] as? String, "the model could not read \(scan): image rejected: too small")
        XCTAssertEqual((json["model"] as? [String: Any])?["name"] as? String, "recording")

        // The real loader on a folder with no checkpoint names the path and the command to fix it.
        XCTAssertThrowsError(try CheckpointEngineLoader().load(.qwen, checkpoint: sandbox.stateDir + "/models/none")) { error in
            XCTAssertEqual("\(error)", "model not found at \(sandbox.stateDir)/models/none: run `scrawl models pull qwen` "
                + "(or set [models] qwen = \"/path\"); the scans wait in the queue and are read once it is there")
        }
    }

    func testFileChangedAfterQueueingIsNotReadWithTheOldIdentity() throws {
        let sandbox = try DaemonSandbox()
        let scan = try sandbox.drop("imaging/decode/baseline444.jpg", as: "a.jpg")
        _ = sandbox.intake().take(scan)
        try FileManager.default.removeItem(atPath: scan)
        try FileManager.default.copyItem(atPath: fixture("imaging/decode/exif6.png").path, toPath: scan)
        let loader = RecordingLoader()
        sandbox.worker(loader: loader).drain()
        XCTAssertTrue(loader.engine.requests.isEmpty, "the model never saw bytes other than the job's")
        XCTAssertFalse(FileManager.default.fileExists(atPath: scan + ".json"), "no sidecar for a version that is gone")
        XCTAssertEqual(try sandbox.catalog.status(recentFailures: 0).count(.failed), 1)
    }

    func testReusedResultWritesSidecarsWithoutAModelRun() throws {
        let sandbox = try DaemonSandbox()
        let first = try sandbox.drop("imaging/decode/baseline444.jpg", as: "a.jpg")
        _ = sandbox.intake().take(first)
        let loader = RecordingLoader()
        sandbox.worker(loader: loader).drain()
        let copy = try sandbox.drop("imaging/decode/baseline444.jpg", as: "copies/b.jpg")
        XCTAssertEqual(sandbox.intake().take(copy), .reused)
        XCTAssertEqual(loader.engine.requests.count, 1)
        XCTAssertEqual(try String(contentsOfFile: copy + ".txt", encoding: .utf8), try String(contentsOfFile: first + ".txt", encoding: .utf8))
        let json = try sandbox.json(at: copy + ".json")
        XCTAssertEqual(json["reused"] as? Bool, true)
        XCTAssertEqual((json["source"] as? [String: Any])?["path"] as? String, copy)
        XCTAssertEqual(Set(try sandbox.catalog.search(SearchQuery(text: "scribble")).map(\.path)), [first, copy])
    }

    func testIdleWorkerUnloadsTheModelAndStops() throws {
        var sandbox = try DaemonSandbox()
        sandbox.config.daemon.idleUnloadS = 0
        let scan = try sandbox.drop("imaging/decode/baseline444.jpg", as: "a.jpg")
        _ = sandbox.intake().take(scan)
        let loader = RecordingLoader()
        let worker = sandbox.worker(loader: loader)
        let done = expectation(description: "worker stopped")
        Thread.detachNewThread {
            worker.run()
            done.fulfill()
        }
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: scan + ".json") && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let second = try sandbox.drop("imaging/decode/exif6.png", as: "b.png")
        _ = sandbox.intake().take(second)
        worker.wake()
        while !FileManager.default.fileExists(atPath: second + ".json") && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        worker.requestStop()
        wait(for: [done], timeout: 10)
        XCTAssertEqual(worker.state, .stopped)
        XCTAssertEqual(loader.loads.count, 2, "with idle_unload_s = 0 the model is unloaded between the two scans and loaded again")
    }

    func testAScanInterruptedTooOftenIsFailedNotReadAgain() throws {
        let sandbox = try DaemonSandbox()
        let scan = try sandbox.drop("imaging/decode/baseline444.jpg", as: "poison.jpg")
        _ = sandbox.intake().take(scan)
        // Three daemons died while reading it: each start puts the running job back in the queue.
        for _ in 0..<Worker.maxAttempts {
            XCTAssertNotNil(try sandbox.catalog.claimNextJob())
            try sandbox.catalog.requeueRunningJobs()
        }
        let loader = RecordingLoader()
        sandbox.worker(loader: loader).drain()
        XCTAssertTrue(loader.engine.requests.isEmpty, "the model is not run a fourth time")
        let error = try XCTUnwrap(try sandbox.json(at: scan + ".json")["error"] as? String)
        XCTAssertTrue(error.contains("stopped while reading this scan 3 times"), error)
        XCTAssertEqual(try sandbox.catalog.status(recentFailures: 1).count(.failed), 1)
    }
}
