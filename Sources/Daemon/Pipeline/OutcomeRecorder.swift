import Catalog
import Foundation
import Glibc
import Logging

/// Records what became of a job: the sidecars beside the scan, then the catalog, in that order, so a
/// finished read is on disk before the catalog is asked. A catalog that refuses the commit (busy,
/// full, read-only for a while) is retried with backoff; it never turns a good read into a failure.
struct OutcomeRecorder {
    let catalog: Catalog
    let logger: Logger
    /// Whether the daemon is stopping (a refused commit is then left for the next start).
    let shouldStop: () -> Bool
    /// Sleeps up to the given seconds, or less when woken or stopped.
    let wait: (Double) -> Void
    /// Called before each wait for a refused commit: the path, the catalog's error, the delay.
    let onRetry: (String, String, Double) -> Void

    /// The longest wait between two tries of a commit the catalog refused.
    static let maxCommitBackoffS = 30.0

    /// Writes a good read's sidecars (throwing what the disk says: the caller pauses on a full or
    /// read-only disk) and commits it. Returns whether the catalog took it.
    func recordRead(_ job: Job, document: SidecarDocument, result: ReadResult, sidecars: SidecarPaths, scanMode: mode_t) throws -> Bool {
        let json = try SidecarSet.write(document, to: sidecars, scanMode: scanMode)
        var result = result
        result.sidecarJSON = json
        // From here the read is good whatever the catalog says: its sidecars are never replaced by an error.
        guard commit(job, result: result) else { return false }
        logger.info("read", metadata: ["path": "\(job.path)", "tokens": "\(result.tokens)",
                                       "finish": "\(result.finishReason ?? "")",
                                       "ms": "\(Int(result.timingsMs["total"] ?? 0))", "sidecar": "\(sidecars.text)"])
        return true
    }

    /// Records a failed read: the error sidecar (when there is a scan to put it beside), the catalog, the log.
    func recordFailure(_ job: Job, error message: String, sidecars: SidecarPaths?, scanMode: mode_t,
                       source: SidecarDocument.Source? = nil, model: SidecarDocument.Model? = nil) {
        logger.error("failed: \(message)", metadata: ["path": "\(job.path)", "job": "\(job.id)"])
        var result = ReadResult(text: nil, error: message, model: model?.name ?? job.model,
                                checkpoint: model?.checkpoint ?? model?.endpoint ?? "", configHash: model?.configSHA256 ?? "", prompt: job.prompt, tokens: 0, finishReason: nil,
                                width: source?.width ?? 0, height: source?.height ?? 0)
        if let sidecars, let source {
            let document = SidecarDocument(source: source, model: model, prompt: job.prompt, text: nil, tokens: nil,
                                           finishReason: nil, timingsMs: nil, error: message, reused: nil,
                                           scrawlVersion: ScrawlVersion.current, createdAt: SidecarSet.timestamp())
            do {
                result.sidecarJSON = try SidecarSet.write(document, to: sidecars, scanMode: scanMode)
            } catch {
                logger.error("cannot write the error sidecar: \(error)", metadata: ["path": "\(job.path)"])
            }
        }
        commit(job, result: result)
    }

    /// Records a finished job, retrying with backoff (0.5 s doubling to 30 s) while the catalog is busy
    /// (`scrawl reindex` holds its write lock), full, or read-only for a while. Returns false when it
    /// was not recorded: the job was finished or requeued by someone else (final), or the daemon is
    /// stopping (the job stays running and is queued again at the next start).
    @discardableResult
    func commit(_ job: Job, result: ReadResult) -> Bool {
        var delay = 0.5
        while true {
            do {
                try catalog.complete(job, result: result)
                return true
            } catch let error as CatalogError {
                logger.error("cannot record the result in the catalog: \(error)", metadata: ["path": "\(job.path)", "job": "\(job.id)"])
                return false
            } catch {
                guard !shouldStop() else {
                    logger.error("stopping before the catalog took the result (\(error)); the job is queued again at the next start",
                                 metadata: ["path": "\(job.path)", "job": "\(job.id)"])
                    return false
                }
                logger.warning("cannot record the result in the catalog yet (\(error)); the sidecars stay, retrying in \(delay) s",
                               metadata: ["path": "\(job.path)", "job": "\(job.id)"])
                onRetry(job.path, "\(error)", delay)
                wait(delay)
                delay = min(delay * 2, Self.maxCommitBackoffS)
            }
        }
    }
}
