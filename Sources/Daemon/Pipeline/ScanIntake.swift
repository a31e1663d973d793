import Catalog
import Foundation
import Inference
import Logging

/// A settled file → read its bytes once → sniff the format from them → SHA-256 → folder settings →
/// `Catalog.enqueue`. A result reused from identical bytes read under another path only needs its
/// sidecars written here; a queued job wakes the worker.
public final class ScanIntake {
    public enum Outcome: Equatable, Sendable {
        case queued(jobID: Int64)
        case alreadyKnown
        case reused
        case ignored(reason: String)
        /// No permission to read it (yet): looked at again by the next rescan, e.g. after a chmod and SIGHUP.
        case unreadable(reason: String)
    }

    private let catalog: Catalog
    private let config: ScrawlConfig
    private let tags: FolderTagResolver
    private let logger: Logger

    public init(catalog: Catalog, config: ScrawlConfig, tags: FolderTagResolver, logger: Logger) {
        self.catalog = catalog
        self.config = config
        self.tags = tags
        self.logger = logger
    }

    /// Takes one file. Never throws: every problem is logged with the path and reported as `.ignored`.
    public func take(_ path: String) -> Outcome {
        guard let inbox = config.inbox(containing: path) else { return .ignored(reason: "not inside an inbox") }
        let name = (path as NSString).lastPathComponent
        let scan: ScanBytes
        do {
            scan = try ScanBytes.read(path, inboxRoot: inbox.path)
        } catch ScanReadError.io(_, _, let code) where code == ENOENT {
            return .ignored(reason: "gone before it was read")
        } catch let error as ScanReadError {
            if case .io(_, _, let code) = error, code == EACCES || code == EPERM {
                logger.notice("not taken: \(error); it is read once it is readable (at the next rescan: SIGHUP or rescan_interval_s)",
                              metadata: ["path": "\(path)"])
                return .unreadable(reason: "\(error)")
            }
            logger.notice("not taken: \(error)", metadata: ["path": "\(path)"])
            return .ignored(reason: "\(error)")
        } catch {
            logger.notice("not taken: \(error)", metadata: ["path": "\(path)"])
            return .ignored(reason: "\(error)")
        }
        var format = sniffScanFormat(scan.bytes)
        if format == nil {
            guard ScanNameFilter.claimsToBeImage(name) else {
                logger.debug("not an image, ignored", metadata: ["path": "\(path)"])
                return .ignored(reason: "not a JPEG, PNG or GIF")
            }
            format = unknownScanFormat  // queued so that it fails with an error sidecar a person can see
        }
        let settings = tags.settings(for: path, in: inbox)
        let candidate = ScanCandidate(path: path, sha256: SHA256.hex(of: scan.bytes), bytes: scan.status.size,
                                      mtime: scan.status.mtime, format: format ?? unknownScanFormat, inbox: inbox.path,
                                      model: settings.model.rawValue, prompt: settings.prompt, maxTokens: settings.maxTokens)
        let outcome: EnqueueOutcome
        do {
            outcome = try catalog.enqueue(candidate)
        } catch {
            logger.error("cannot queue: \(error)", metadata: ["path": "\(path)"])
            return .ignored(reason: "\(error)")
        }
        switch outcome {
        case .queued(let id):
            logger.info("queued", metadata: ["path": "\(path)", "job": "\(id)", "model": "\(candidate.model)",
                                             "sha256": "\(candidate.sha256.prefix(12))"])
            return .queued(jobID: id)
        case .alreadyQueued:
            logger.debug("already known", metadata: ["path": "\(path)"])
            return .alreadyKnown
        case .unchanged:
            logger.debug("already known", metadata: ["path": "\(path)"])
            restoreReusedSidecars(candidate, inbox: inbox, scanMode: scan.status.mode)
            return .alreadyKnown
        case .reused(let result):
            writeReusedSidecars(candidate, result: result, inbox: inbox, scanMode: scan.status.mode)
            return .reused
        }
    }

    /// A reused result is committed before its sidecars are written: after a crash between the two,
    /// the next look at the file (the rescan at start) finds the document and no JSON sidecar, and
    /// writes them now.
    private func restoreReusedSidecars(_ candidate: ScanCandidate, inbox: InboxConfig, scanMode: mode_t) {
        let paths = SidecarPaths(scan: candidate.path, inbox: inbox)
        guard FileStatus.lstat(paths.json) == nil else { return }
        do {
            guard let result = try catalog.reusedResult(path: candidate.path) else { return }
            logger.notice("a reused result has no sidecars (interrupted?): writing them", metadata: ["path": "\(candidate.path)"])
            writeReusedSidecars(candidate, result: result, inbox: inbox, scanMode: scanMode)
        } catch {
            logger.error("cannot look up the reused result: \(error)", metadata: ["path": "\(candidate.path)"])
        }
    }

    private func writeReusedSidecars(_ candidate: ScanCandidate, result: ReadResult, inbox: InboxConfig, scanMode: mode_t) {
        let source = SidecarDocument.Source(path: candidate.path, sha256: candidate.sha256, bytes: candidate.bytes,
                                            format: candidate.format, width: result.width, height: result.height)
        let model = SidecarDocument.Model(name: result.model, checkpoint: result.checkpoint, configSHA256: result.configHash)
        let document = SidecarDocument(source: source, model: model, prompt: result.prompt, text: result.text,
                                       tokens: result.tokens, finishReason: result.finishReason, timingsMs: result.timingsMs,
                                       error: result.error, reused: true, scrawlVersion: ScrawlVersion.current,
                                       createdAt: SidecarSet.timestamp())
        let paths = SidecarPaths(scan: candidate.path, inbox: inbox)
        do {
            try SidecarSet.write(document, to: paths, scanMode: scanMode)
            logger.info("reused the result of identical bytes read before (no model run)",
                        metadata: ["path": "\(candidate.path)", "sidecar": "\(paths.text)"])
        } catch {
            logger.error("cannot write sidecars for a reused result: \(error)", metadata: ["path": "\(candidate.path)"])
        }
    }
}
