import Catalog
import Foundation
import Imaging
import Inference
import Logging

/// Reads one claimed scan: its bytes → pages → the engine → the sidecar document and the catalog
/// result. Each page is a durable unit: it is committed to the catalog once read, so a read cut short
/// (a kill, a stop) resumes at the page it was on. Knows nothing of queues or sidecar files; the job
/// runner decides what to do with what it returns or throws (`ScanReadFailure`: record as failed;
/// `EnvironmentProblem`: pause; `ScanReadInterrupted`: leave the job for the next start).
struct ScanReader {
    let decoder: ScanDecoding
    let residency: ModelResidency
    let catalog: Catalog
    let logger: Logger
    /// `stall_timeout_s` and `page_timeout_s` of each page's `ReadBudget`.
    let settings: DaemonSettings
    /// The budget of the page being read, for the stall reporter and a shutdown (set per page).
    let currentBudget: Locked<ReadBudget?>
    /// Whether the daemon is stopping: checked between pages.
    let shouldStop: () -> Bool
    /// Called on the reading thread as the engine works (at most once a `progressInterval`, and at
    /// the start of each page).
    let onProgress: (ReadProgress) -> Void

    /// How often progress goes to the catalog and to systemd's STATUS.
    static let progressInterval: TimeInterval = 1

    func read(_ job: Job, scan: ScanBytes, inbox: InboxConfig, source: SidecarDocument.Source)
        throws -> (document: SidecarDocument, result: ReadResult) {
        var source = source
        let started = Date()
        let document: PageSource
        do {
            guard job.format != unknownScanFormat else { throw NotAnImageError(path: job.path, header: Array(scan.bytes.prefix(8))) }
            document = try decoder.open(scan.bytes, path: job.path)
        } catch {
            throw ScanReadFailure(message: "cannot decode \(job.path): \(error)", source: source, model: nil)
        }
        let pageCount = document.pageCount
        let toRead = min(pageCount, job.maxPages)
        let loadStarted = Date()
        let engine: OCREngine
        do {
            engine = try residency.engine(for: job.model, maxTokens: job.maxTokens, maxPixels: inbox.maxPixels).engine
        } catch {
            if let problem = EnvironmentProblem.from(error, model: job.model) { throw problem }
            throw ScanReadFailure(message: "\(error)", source: source, model: nil)
        }
        // Loading the model (first scan, or after an idle unload) is reported apart from the read.
        let loadMs = Date().timeIntervalSince(loadStarted) * 1000
        let model = SidecarDocument.Model(name: engine.modelName, identity: engine.identity)

        // Pages an earlier, interrupted attempt of this job finished are not read again.
        var pages = ((try? catalog.finishedPages(jobID: job.id)) ?? []).filter { $0.number <= toRead }
        pages = Array(pages.enumerated().prefix { $0.offset + 1 == $0.element.number }.map(\.element))
        let firstToRead = pages.count
        if firstToRead > 0 {
            logger.notice("resuming at page \(firstToRead + 1) of \(pageCount): pages 1–\(firstToRead) were read before the last stop",
                          metadata: ["path": "\(job.path)", "job": "\(job.id)"])
        }
        for index in firstToRead..<toRead {
            if index > firstToRead, shouldStop() { throw ScanReadInterrupted(page: index + 1, pageCount: pageCount) }
            let page = try read(page: index, of: document, pageCount: pageCount, job: job, inbox: inbox, engine: engine,
                                source: source, model: model)
            // The last page goes to the catalog with the whole document.
            if index + 1 < toRead { try? catalog.recordPage(jobID: job.id, page) }
            if pageCount > 1 {
                logger.info("page \(page.number)/\(pageCount) read", metadata: ["path": "\(job.path)", "job": "\(job.id)",
                                                                            "tokens": "\(page.tokens)", "origin": "\(page.origin)"])
            }
            pages.append(page)
        }
        if let first = pages.first {
            source.width = first.width
            source.height = first.height
        }
        var timings: [String: Double] = ["load_model": loadMs, "total": Date().timeIntervalSince(started) * 1000 - loadMs]
        for page in pages {
            for (phase, ms) in page.timingsMs where phase != "total" { timings[phase, default: 0] += ms }
        }
        let text = PageResult.joinedText(pages)
        let tokens = pages.reduce(0) { $0 + $1.tokens }
        // A document's finish reason is its first page's that did not end at EOS (or at its text layer).
        let finish = pages.first { ![FinishReason.eos.rawValue, PageResult.textLayerOrigin].contains($0.finishReason ?? "") }?
            .finishReason ?? pages.first?.finishReason
        let sidecar = SidecarDocument(source: source, model: model, prompt: job.prompt, text: text, tokens: tokens,
                                      finishReason: finish, timingsMs: timings, error: nil, pages: pages,
                                      pageCount: pageCount, maxPages: pageCount > toRead ? job.maxPages : nil, reused: nil,
                                      scrawlVersion: ScrawlVersion.current, createdAt: SidecarSet.timestamp())
        let result = ReadResult(text: text, error: nil, model: model.name, checkpoint: model.checkpoint ?? model.endpoint ?? "",
                                configHash: model.configSHA256 ?? "", prompt: job.prompt, tokens: tokens, finishReason: finish,
                                width: source.width ?? 0, height: source.height ?? 0, timingsMs: timings, pages: pages)
        return (sidecar, result)
    }

    /// Page `index` (0-based): its text layer when the folder prefers it and the page has one, else the model's reading.
    private func read(page index: Int, of document: PageSource, pageCount: Int, job: Job, inbox: InboxConfig,
                      engine: OCREngine, source: SidecarDocument.Source, model: SidecarDocument.Model) throws -> PageResult {
        let number = index + 1
        let where_ = pageCount > 1 ? "page \(number) of \(pageCount) of \(job.path)" : job.path
        onProgress(ReadProgress(tokens: 0, page: number, pageCount: pageCount))
        let budget = ReadBudget(stallLimitS: Double(settings.stallTimeoutS), pageLimitS: Double(settings.pageTimeoutS))
        currentBudget.set(budget)
        defer { currentBudget.set(nil) }
        let started = Date()
        let image: RGBImage
        let layer: String?
        do {
            layer = job.pdfText == "prefer" ? try document.textLayer(index) : nil
            image = try document.page(index, pixelBudget: inbox.maxPixels).image
        } catch {
            throw ScanReadFailure(message: "cannot decode \(where_): \(error)", source: source, model: model)
        }
        let decodeMs = Date().timeIntervalSince(started) * 1000
        if let layer, !layer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return PageResult(number: number, width: image.width, height: image.height, text: layer, tokens: 0,
                              finishReason: PageResult.textLayerOrigin, timingsMs: ["decode_image": decodeMs],
                              origin: PageResult.textLayerOrigin)
        }
        let request = OCRRequest(prompt: job.prompt, maxNewTokens: job.maxTokens, maxPixels: inbox.maxPixels, greedy: true,
                                 cancellation: budget.flag)
        var lastProgress = Date()
        let output: OCRResult
        do {
            output = try engine.read(image, request: request) { event in
                budget.note(event)
                guard case .token(_, _, let count) = event, Date().timeIntervalSince(lastProgress) >= Self.progressInterval else { return }
                lastProgress = Date()
                onProgress(ReadProgress(tokens: count, page: number, pageCount: pageCount))
            }
        } catch OCRError.cancelled(let reason) {
            if reason == ReadBudget.shutdownReason { throw ScanReadInterrupted(page: number, pageCount: pageCount) }
            throw ScanReadFailure(message: "the model could not read \(where_): \(budget.explain(reason))", source: source, model: model)
        } catch {
            // The server or the way to it failed, not the scan: it stays queued (at this page).
            if let problem = EnvironmentProblem.from(error, model: job.model) { throw problem }
            throw ScanReadFailure(message: "the model could not read \(where_): \(error)", source: source, model: model)
        }
        let timings: [String: Double] = [
            "decode_image": decodeMs, "preprocess": output.timings.preprocessMs, "vision": output.timings.visionMs,
            "prefill": output.timings.prefillMs, "generate": output.timings.generateMs,
            "total": Date().timeIntervalSince(started) * 1000,
        ]
        return PageResult(number: number, width: image.width, height: image.height, text: output.text,
                          tokens: output.tokenCount, finishReason: output.finishReason.rawValue, timingsMs: timings)
    }
}

/// Where a read is (for STATUS, `scrawl status` and the catalog's progress columns).
struct ReadProgress: Equatable {
    var tokens: Int
    var page = 1
    var pageCount = 1
}

/// A read that failed because of the scan (or the model's answer to it), with what was known when it
/// happened, for the error sidecar.
struct ScanReadFailure: Error {
    var message: String
    var source: SidecarDocument.Source
    var model: SidecarDocument.Model?
}

/// The daemon is stopping between two pages of a document: the pages read so far are in the catalog,
/// the job stays running and the next start resumes it at `page`.
struct ScanReadInterrupted: Error {
    var page: Int
    var pageCount: Int
}
