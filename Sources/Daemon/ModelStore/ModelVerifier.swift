import Foundation
import Inference

/// `scrawl models verify`: a light check that a checkpoint folder will load, without loading it.
public struct ModelVerifier {
    public struct Report: Sendable, Equatable {
        public var folder: String
        public var tensors = 0
        public var shards: [String] = []
        public var bytes: Int64 = 0
        /// Files checked against the pull manifest (size, and SHA-256 when `checksums`).
        public var manifestFiles = 0
        public var problems: [String] = []
        /// What the engine found when it loaded the folder (nil when it did not load or was not asked).
        public var summary: CheckpointSummary?
        /// The prompt a default scan (an A4 page at 300 dpi) gets under `scanRequest`.
        public var scanCost: PromptCost?
        public var ok: Bool { problems.isEmpty }
    }

    public var checksums: Bool
    /// When set, the folder is also loaded by its engine (weights mapped, not read) and a default scan's
    /// prompt is built with this request: tokenizer, chat template and preprocessor all run.
    public var scanRequest: OCRRequest?

    /// An A4 page scanned at 300 dpi.
    public static let defaultScanSize = (width: 2480, height: 3508)

    public init(checksums: Bool = true, scanRequest: OCRRequest? = nil) {
        self.checksums = checksums
        self.scanRequest = scanRequest
    }

    /// config.json parses; each tensor in the index exists in its shard; each shard's header is consistent
    /// (offsets inside the file, sizes matching dtype × shape); sizes and SHA-256 match the manifest if any.
    public func verify(_ folder: String) -> Report {
        var report = Report(folder: folder)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            report.problems.append("\(folder): no such folder (run scrawl models pull)")
            return report
        }
        checkConfig(folder, &report)
        checkWeights(folder, &report)
        if let manifest = ModelManifest.load(from: folder) { checkManifest(manifest, folder, &report) }
        if let scanRequest, report.ok { inspect(folder, request: scanRequest, &report) }
        return report
    }

    /// Loads the folder as the daemon would and builds a default scan's prompt.
    private func inspect(_ folder: String, request: OCRRequest, _ report: inout Report) {
        let engine: any CheckpointEngine
        do {
            engine = try EngineOpener.open(checkpoint: URL(fileURLWithPath: folder), prefetch: false)
        } catch {
            report.problems.append("does not load: \(error)")
            return
        }
        report.summary = engine.summary
        let size = Self.defaultScanSize
        do {
            let cost = try engine.promptCost(width: size.width, height: size.height, request: request)
            report.scanCost = cost
            if let context = engine.summary.contextLength, cost.promptTokens + request.maxNewTokens > context {
                report.problems.append("a default scan's prompt (\(cost.promptTokens) tokens) plus max_tokens \(request.maxNewTokens) exceeds the context of \(context) tokens: lower max_pixels or max_tokens")
            }
        } catch {
            report.problems.append("the chat template or preprocessor fails on a default scan: \(error)")
        }
    }

    private func checkConfig(_ folder: String, _ report: inout Report) {
        let path = folder + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            report.problems.append("\(path): missing")
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), object is [String: Any] else {
            report.problems.append("\(path): not a JSON object")
            return
        }
    }

    private func checkWeights(_ folder: String, _ report: inout Report) {
        let indexPath = folder + "/model.safetensors.index.json"
        var expected: [String: [String]] = [:]
        if let data = FileManager.default.contents(atPath: indexPath) {
            guard let index = try? JSONDecoder().decode(SafetensorsIndex.self, from: data) else {
                report.problems.append("\(indexPath): no \"weight_map\" object")
                return
            }
            for (tensor, shard) in index.weightMap { expected[shard, default: []].append(tensor) }
        } else if FileManager.default.fileExists(atPath: folder + "/model.safetensors") {
            expected["model.safetensors"] = []
        } else {
            report.problems.append("\(folder): no model.safetensors or model.safetensors.index.json")
            return
        }
        for shard in expected.keys.sorted() {
            let path = folder + "/" + shard
            report.shards.append(shard)
            do {
                let file = try SafetensorsFile(path: path)
                report.tensors += file.tensors.count
                report.bytes += ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
                let missing = expected[shard, default: []].filter { file.tensors[$0] == nil }.sorted()
                if !missing.isEmpty {
                    report.problems.append("\(path): \(missing.count) tensor(s) named in the index are missing, e.g. \(missing.prefix(3).joined(separator: ", "))")
                }
            } catch {
                report.problems.append("\(path): \(error)")
            }
        }
    }

    private func checkManifest(_ manifest: ModelManifest, _ folder: String, _ report: inout Report) {
        for file in manifest.files {
            let path = folder + "/" + file.name
            guard let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value else {
                report.problems.append("\(path): missing (listed in \(ModelManifest.fileName))")
                continue
            }
            report.manifestFiles += 1
            if let expected = file.size, expected != size {
                report.problems.append("\(path): \(size) bytes, the manifest says \(expected)")
                continue
            }
            if checksums, let expected = file.sha256 {
                do {
                    let actual = try SHA256.hex(ofFile: path)
                    if actual != expected.lowercased() {
                        report.problems.append("\(path): SHA-256 \(actual), the manifest says \(expected)")
                    }
                } catch {
                    report.problems.append("\(error)")
                }
            }
        }
    }
}
