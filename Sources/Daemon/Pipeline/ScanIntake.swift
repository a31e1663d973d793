import Catalog
import Foundation
import Inference
import Logging

/// A settled file → unchanged since last hashed (device, inode, size, mtime)? → else sniff its first
/// bytes and stream its SHA-256 → folder settings → `Catalog.enqueue` (a batch in one transaction).
/// A result reused from identical bytes read under another path only needs its sidecars written
/// here; a queued job wakes the worker.
public final class ScanIntake {
    public enum Outcome: Equatable, Sendable {
        case queued(jobID: Int64)
        case alreadyKnown
        case reused
        case ignored(reason: String)
        /// No permission to read it (yet): looked at again by the next rescan, e.g. after a chmod and SIGHUP.
        case unreadable(reason: String)
        /// The catalog could not take it now (busy, full, read-only): not final, taken again later.
        case deferred(reason: String)
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
    public func take(_ path: String, progress: () -> Void = {}) -> Outcome {
        take([path], progress: progress)[0]
    }

    /// Takes settled files, one outcome each, in order. A file whose identity (device, inode, size,
    /// mtime ns) is the one the catalog remembers is not read at all; the others are hashed in 1 MiB
    /// pieces (`progress` after each and after each file). Their enqueues share one transaction.
    public func take(_ paths: [String], progress: () -> Void = {}) -> [Outcome] {
        var outcomes: [Outcome?] = []
        var batch: [(index: Int, candidate: ScanCandidate, inbox: InboxConfig, mode: mode_t)] = []
        for path in paths {
            switch prepare(path, progress: progress) {
            case .success(let prepared):
                batch.append((outcomes.count, prepared.candidate, prepared.inbox, prepared.mode))
                outcomes.append(nil)
            case .failure(let outcome):
                outcomes.append(outcome.outcome)
            }
            progress()
        }
        for (index, result) in enqueue(batch.map(\.candidate)).enumerated() {
            let item = batch[index]
            switch result {
            case .success(let outcome): outcomes[item.index] = finish(item.candidate, outcome, inbox: item.inbox, scanMode: item.mode)
            case .failure(let error):
                logger.error("cannot queue yet, tried again in a moment: \(error)", metadata: ["path": "\(item.candidate.path)"])
                outcomes[item.index] = .deferred(reason: "\(error)")
            }
        }
        return outcomes.map { $0 ?? .ignored(reason: "not taken") }
    }

    /// An outcome reached before the catalog (so `Result` can carry it).
    private struct Early: Error { var outcome: Outcome }

    private func prepare(_ path: String, progress: () -> Void)
        -> Result<(candidate: ScanCandidate, inbox: InboxConfig, mode: mode_t), Early> {
        guard let inbox = config.inbox(containing: path) else { return .failure(Early(outcome: .ignored(reason: "not inside an inbox"))) }
        let name = (path as NSString).lastPathComponent
        let settings = tags.settings(for: path, in: inbox)
        func candidate(sha256: String, format: String, status: FileStatus, identity: FileIdentity?) -> ScanCandidate {
            ScanCandidate(path: path, sha256: sha256, bytes: status.size, mtime: status.mtime, format: format,
                          inbox: inbox.path, model: settings.model.rawValue, prompt: settings.prompt,
                          maxTokens: settings.maxTokens, maxPages: settings.maxPages, pdfText: settings.pdfText,
                          identity: identity)
        }
        if let status = FileStatus.lstat(path), status.kind == .regular,
           let seen = try? catalog.seenFile(path: path), seen.identity == status.identity {
            logger.debug("unchanged since it was last hashed: not read", metadata: ["path": "\(path)"])
            return .success((candidate(sha256: seen.sha256, format: seen.format, status: status, identity: nil), inbox, status.mode))
        }
        let fingerprint: ScanFingerprint
        do {
            guard let computed = try ScanFingerprint.compute(path, inboxRoot: inbox.path,
                                                             claimsImage: ScanNameFilter.claimsToBeImage(name), progress: progress) else {
                logger.debug("not an image, ignored", metadata: ["path": "\(path)"])
                return .failure(Early(outcome: .ignored(reason: "not a format scrawl reads")))
            }
            fingerprint = computed
        } catch ScanReadError.io(_, _, let code) where code == ENOENT {
            return .failure(Early(outcome: .ignored(reason: "gone before it was read")))
        } catch let error as ScanReadError {
            if case .io(_, _, let code) = error, code == EACCES || code == EPERM {
                logger.notice("not taken: \(error); it is read once it is readable (at the next rescan: SIGHUP or rescan_interval_s)",
                              metadata: ["path": "\(path)"])
                return .failure(Early(outcome: .unreadable(reason: "\(error)")))
            }
            logger.notice("not taken: \(error)", metadata: ["path": "\(path)"])
            return .failure(Early(outcome: .ignored(reason: "\(error)")))
        } catch {
            logger.notice("not taken: \(error)", metadata: ["path": "\(path)"])
            return .failure(Early(outcome: .ignored(reason: "\(error)")))
        }
        // An unknown format is queued so that it fails with an error sidecar a person can see.
        let scan = candidate(sha256: fingerprint.sha256, format: fingerprint.format ?? unknownScanFormat, status: fingerprint.status,
                             identity: fingerprint.stable ? fingerprint.status.identity : nil)
        return .success((scan, inbox, fingerprint.status.mode))
    }

    /// One transaction for the batch; when it fails, each scan alone, so one bad row costs only itself.
    private func enqueue(_ candidates: [ScanCandidate]) -> [Result<EnqueueOutcome, Error>] {
        guard !candidates.isEmpty else { return [] }
        if candidates.count > 1, let outcomes = try? catalog.enqueue(candidates) { return outcomes.map { .success($0) } }
        return candidates.map { candidate in Result { try catalog.enqueue(candidate) } }
    }

    private func finish(_ candidate: ScanCandidate, _ outcome: EnqueueOutcome, inbox: InboxConfig, scanMode: mode_t) -> Outcome {
        let path = candidate.path
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
            restoreReusedSidecars(candidate, inbox: inbox, scanMode: scanMode)
            return .alreadyKnown
        case .reused(let result):
            writeReusedSidecars(candidate, result: result, inbox: inbox, scanMode: scanMode)
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
        let model = SidecarDocument.Model(name: result.model, recordedCheckpoint: result.checkpoint, configHash: result.configHash)
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
