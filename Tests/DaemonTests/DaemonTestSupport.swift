import Catalog
import Foundation
import Imaging
import Inference
import Logging
import XCTest
@testable import Daemon

/// A file under Tests/Fixtures.
func fixture(_ relative: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/" + relative).standardized
}

func fixtureBytes(_ relative: String) throws -> [UInt8] {
    Array(try Data(contentsOf: fixture(relative)))
}

/// A logger that drops everything (tests assert on results, not on log lines).
let quietLogger = Logger(label: "scrawl-tests") { _ in SwiftLogNoOpLogHandler() }

func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// The test double behind OCREngine for the queue/worker unit tests (the end-to-end tests use the real engine).
final class RecordingEngine: CheckpointEngine, @unchecked Sendable {
    let modelName: String
    let checkpointPath: String
    let configHash = String(repeating: "ab", count: 32)
    private(set) var requests: [OCRRequest] = []
    private(set) var images: [RGBImage] = []
    var failure: Error?

    init(modelName: String = "recording", checkpointPath: String = "/models/recording") {
        self.modelName = modelName
        self.checkpointPath = checkpointPath
    }

    var summary: CheckpointSummary {
        CheckpointSummary(modelType: "recording", tokenizerSource: "none", templateSource: "none", weightDTypes: [:],
                          tensorNameLayout: "none", weightFiles: [], contextLength: nil)
    }

    func promptCost(width: Int, height: Int, request: OCRRequest) throws -> PromptCost {
        PromptCost(width: width, height: height, processedWidth: width, processedHeight: height, imageTokens: 1, promptTokens: 10)
    }

    /// Text that depends on the prompt and the pixels, so tests can tell reads apart.
    func read(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void) throws -> OCRResult {
        requests.append(request)
        images.append(image)
        if let failure { throw failure }
        let words = ["scribble", "\(image.width)x\(image.height)", request.prompt.lowercased().replacingOccurrences(of: " ", with: "-")]
        for (index, word) in words.enumerated() { onEvent(.token(id: index, text: word, count: index + 1)) }
        var timings = OCRTimings()
        timings.visionMs = 1
        timings.totalMs = 2
        return OCRResult(text: words.joined(separator: " "), tokens: Array(0..<words.count), logprobs: [0, 0, 0],
                         promptTokens: 10, finishReason: .eos, timings: timings, processedWidth: image.width,
                         processedHeight: image.height)
    }
}

/// Hands out one RecordingEngine for qwen and counts loads; aya's checkpoint is "missing", as on a
/// machine where only qwen was pulled.
final class RecordingLoader: EngineLoading, @unchecked Sendable {
    let engine = RecordingEngine()
    private(set) var loads: [(ModelName, String)] = []

    func load(_ spec: ModelSpec, maxTokens: Int, maxPixels: Int?) throws -> OCREngine {
        let checkpoint = spec.checkpointPath ?? ""
        loads.append((spec.name, checkpoint))
        guard spec.name == .qwen else { throw EngineLoadError.modelMissing(name: spec.name, path: checkpoint) }
        return engine
    }
}

/// A temp inbox + state dir + catalog.
final class DaemonSandbox {
    let root: TemporaryDirectory
    let inbox: String
    let stateDir: String
    let catalog: Catalog
    var config: ScrawlConfig

    init(inbox configure: (inout InboxConfig) -> Void = { _ in }) throws {
        root = try TemporaryDirectory()
        inbox = root.resolved + "/inbox"
        stateDir = root.resolved + "/state"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        var inboxConfig = InboxConfig(path: inbox, settleMs: 0)
        configure(&inboxConfig)
        config = ScrawlConfig(stateDir: stateDir, inboxes: [inboxConfig])
        catalog = try Catalog(path: config.catalogPath)
    }

    func intake() -> ScanIntake {
        ScanIntake(catalog: catalog, config: config, tags: FolderTagResolver(logger: quietLogger), logger: quietLogger)
    }

    func worker(loader: EngineLoading) -> Worker {
        Worker(catalog: catalog, config: config, loader: loader, decoder: ImagingScanDecoder(), logger: quietLogger)
    }

    /// Copies a fixture into the inbox.
    @discardableResult
    func drop(_ fixturePath: String, as relative: String) throws -> String {
        let destination = inbox + "/" + relative
        try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture(fixturePath).path, toPath: destination)
        return destination
    }

    func json(at path: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        return try XCTUnwrap(object as? [String: Any], "\(path) is not a JSON object")
    }
}
