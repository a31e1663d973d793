import Catalog
import Foundation
import Imaging
import Inference

/// Reads one claimed scan: its bytes → pages → the engine → the sidecar document and the catalog
/// result. Knows nothing of queues or sidecar files; the job runner decides what to do with what it
/// returns or throws (`ScanReadFailure`: record as failed; `EnvironmentProblem`: pause).
struct ScanReader {
    let decoder: ScanDecoding
    let residency: ModelResidency
    /// Called on the reading thread as the engine works (at most once a `progressInterval`).
    let onProgress: (ReadProgress) -> Void

    /// How often progress goes to the catalog and to systemd's STATUS.
    static let progressInterval: TimeInterval = 1

    func read(_ job: Job, scan: ScanBytes, inbox: InboxConfig, source: SidecarDocument.Source)
        throws -> (document: SidecarDocument, result: ReadResult) {
        var source = source
        let started = Date()
        let pages: PageSource
        let image: RGBImage
        do {
            guard job.format != unknownScanFormat else { throw NotAnImageError(path: job.path, header: Array(scan.bytes.prefix(8))) }
            pages = try decoder.open(scan.bytes, path: job.path)
            image = try pages.page(0, pixelBudget: inbox.maxPixels).image
        } catch {
            throw ScanReadFailure(message: "cannot decode \(job.path): \(error)", source: source, model: nil)
        }
        let decodeMs = Date().timeIntervalSince(started) * 1000
        source.width = image.width
        source.height = image.height
        let engine: OCREngine
        let loadStarted = Date()
        do {
            engine = try residency.engine(for: job.model).engine
        } catch {
            if let problem = EnvironmentProblem.from(error) { throw problem }
            throw ScanReadFailure(message: "\(error)", source: source, model: nil)
        }
        // Loading the model (first scan, or after an idle unload) is reported apart from the read.
        let loadMs = Date().timeIntervalSince(loadStarted) * 1000
        let model = SidecarDocument.Model(name: engine.modelName, checkpoint: engine.checkpointPath, configSHA256: engine.configHash)
        let request = OCRRequest(prompt: job.prompt, maxNewTokens: job.maxTokens, maxPixels: inbox.maxPixels, greedy: true)
        var lastProgress = Date()
        let output: OCRResult
        do {
            output = try engine.read(image, request: request) { event in
                guard case .token(_, _, let count) = event, Date().timeIntervalSince(lastProgress) >= Self.progressInterval else { return }
                lastProgress = Date()
                onProgress(ReadProgress(tokens: count))
            }
        } catch {
            throw ScanReadFailure(message: "the model could not read \(job.path): \(error)", source: source, model: model)
        }
        let timings: [String: Double] = [
            "decode_image": decodeMs, "preprocess": output.timings.preprocessMs, "vision": output.timings.visionMs,
            "prefill": output.timings.prefillMs, "generate": output.timings.generateMs,
            "load_model": loadMs, "total": Date().timeIntervalSince(started) * 1000 - loadMs,
        ]
        let document = SidecarDocument(source: source, model: model, prompt: job.prompt, text: output.text,
                                       tokens: output.tokens.count, finishReason: output.finishReason.rawValue,
                                       timingsMs: timings, error: nil, reused: nil, scrawlVersion: ScrawlVersion.current,
                                       createdAt: SidecarSet.timestamp())
        let result = ReadResult(text: output.text, error: nil, model: engine.modelName, checkpoint: engine.checkpointPath,
                                configHash: engine.configHash, prompt: job.prompt, tokens: output.tokens.count,
                                finishReason: output.finishReason.rawValue, width: image.width, height: image.height,
                                timingsMs: timings)
        return (document, result)
    }
}

/// Where a read is (for STATUS, `scrawl status` and the catalog's progress column).
struct ReadProgress: Equatable {
    var tokens: Int
}

/// A read that failed because of the scan (or the model's answer to it), with what was known when it
/// happened, for the error sidecar.
struct ScanReadFailure: Error {
    var message: String
    var source: SidecarDocument.Source
    var model: SidecarDocument.Model?
}
