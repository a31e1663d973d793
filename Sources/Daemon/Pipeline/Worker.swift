import Catalog
import Foundation
import Imaging
import Inference
import Logging
import RemoteEngine

/// The one worker: takes queued jobs oldest first, reads each scan with the model its folder asks
/// for, writes the sidecars, then records the result. One model is resident at a time, loaded on
/// first use, kept while work keeps coming and unloaded after `idle_unload_s` without work. Every
/// per-scan error is caught, logged with the path and recorded: a scan never stops the worker.
/// Scans of a remote model are read on threads of their own, up to its `max_in_flight` at once,
/// while the worker goes on claiming (and reads local scans itself).
public final class Worker: @unchecked Sendable {
    public enum State: Equatable, Sendable {
        case idle
        case reading(path: String, tokens: Int)
        /// A read is finished (its sidecars are written) but the catalog refuses the commit: retried.
        case recording(path: String, problem: String, retryInS: Double)
        /// The machine keeps scans from being read (no model yet, a full disk): the queue waits.
        case paused(problem: String, retryInS: Double)
        case stopped
    }

    private let catalog: Catalog
    private let config: ScrawlConfig
    private let loader: EngineLoading
    private let decoder: ScanDecoding
    private let logger: Logger
    private let onStateChange: @Sendable (State) -> Void
    private let condition = NSCondition()
    private var stopRequested = false
    private var wakeRequested = false
    private let stateBox = Locked<State>(.idle)

    // Touched only on the worker's thread.
    private var loaded: (name: ModelName, engine: OCREngine)?

    /// Guards what remote reads on their own threads share with the worker's thread: the remote
    /// engines, the reads in flight, the model waits and the pause.
    private let shared = NSRecursiveLock()
    /// One engine per remote model, made at its first scan (an endpoint and a key: nothing to unload).
    private var remoteEngines: [ModelName: OCREngine] = [:]
    /// Remote reads in flight, per model name.
    private var inFlight: [String: Int] = [:]
    /// A remote read met a problem of the machine (a full disk): the worker pauses at its next turn.
    private var pauseRequested = false
    private let remoteReadsDone = NSCondition()
    private var lastWorkEnded = Date()

    /// How often progress (tokens) goes to the catalog and to systemd's STATUS.
    static let progressInterval: TimeInterval = 1
    /// A job claimed more often than this was interrupted every time (the process crashed or was
    /// killed while reading it): it is failed instead of read again, so one poisonous scan cannot
    /// crash-loop the service. `scrawl retry` queues it again.
    public static let maxAttempts = 3

    public init(catalog: Catalog, config: ScrawlConfig, loader: EngineLoading, decoder: ScanDecoding, logger: Logger,
                onStateChange: @escaping @Sendable (State) -> Void = { _ in }) {
        self.catalog = catalog
        self.config = config
        self.loader = loader
        self.decoder = decoder
        self.logger = logger
        self.onStateChange = onStateChange
    }

    public var state: State { stateBox.get() }

    /// New work was queued.
    public func wake() {
        condition.lock()
        wakeRequested = true
        condition.signal()
        condition.unlock()
    }

    /// Finish the current scan (if any) and return from `run()`.
    public func requestStop() {
        condition.lock()
        stopRequested = true
        condition.signal()
        condition.unlock()
    }

    private var shouldStop: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopRequested
    }

    /// The worker loop; returns after `requestStop()`.
    public func run() {
        while !shouldStop {
            if locked({ defer { pauseRequested = false }; return pauseRequested }) { pauseUnlessStopped() }
            let job: Job?
            do {
                job = try catalog.claimNextJob(skippingModels: waitingModels().union(fullRemoteModels()))
            } catch {
                logger.error("cannot take the next job from the catalog: \(error)")
                waitForWork(upTo: 2)
                continue
            }
            guard let job else {
                unloadIfIdle()
                let nextModelTry = locked { modelWaits.values.map { $0.until.timeIntervalSinceNow }.min() } ?? 5
                waitForWork(upTo: min(5, max(0.1, nextModelTry)))
                continue
            }
            if let remote = config.models.spec(named: job.model)?.remote {
                startRemoteRead(job, limit: remote.maxInFlight)
                continue
            }
            if process(job) == .paused {
                pauseUnlessStopped()
            } else {
                resumeIfPaused()
                lastWorkEnded = Date()
                setState(.idle)
            }
        }
        waitForRemoteReads()
        loaded = nil
        setState(.stopped)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        shared.lock()
        defer { shared.unlock() }
        return try body()
    }

    /// Remote models with `max_in_flight` reads running: their next scans wait for a free slot.
    private func fullRemoteModels() -> Set<String> {
        locked {
            Set(inFlight.filter { name, count in count >= (config.models.spec(named: name)?.remote?.maxInFlight ?? 1) }.keys)
        }
    }

    /// Reads a remote model's scan on a thread of its own; the worker is woken when it ends.
    private func startRemoteRead(_ job: Job, limit: Int) {
        locked { inFlight[job.model, default: 0] += 1 }
        let thread = Thread { [self] in
            let outcome = process(job)
            locked {
                inFlight[job.model, default: 1] -= 1
                if inFlight[job.model] == 0 { inFlight[job.model] = nil }
                if outcome == .paused { pauseRequested = true } else { resumeIfPaused() }
            }
            remoteReadsDone.lock()
            remoteReadsDone.broadcast()
            remoteReadsDone.unlock()
            wake()
        }
        thread.name = "scrawl-remote-\(job.id)"
        thread.start()
    }

    /// At stop: the remote reads in flight finish (the daemon's stop_grace_s bounds the wait).
    private func waitForRemoteReads() {
        remoteReadsDone.lock()
        while locked({ !inFlight.isEmpty }) { _ = remoteReadsDone.wait(until: Date().addingTimeInterval(0.5)) }
        remoteReadsDone.unlock()
    }

    /// Runs every queued job, then returns (tests and one-shot use); stops at a pause.
    public func drain() {
        while let job = try? catalog.claimNextJob(skippingModels: waitingModels()) {
            guard process(job) == .finished else { return }
            resumeIfPaused()
        }
        setState(.idle)
    }

    /// What became of a claimed job.
    enum Outcome: Equatable {
        /// Recorded (read or failed), or left for the next start while stopping.
        case finished
        /// Put back in the queue: the environment keeps it from being read.
        case paused
    }

    // Touched only on the worker's thread.
    private var pauseProblem: EnvironmentProblem?
    private var pauseDelay = Worker.firstPauseS
    /// The first wait after an environment problem; it doubles up to `maxPauseS`.
    public static let firstPauseS = 2.0
    public static let maxPauseS = 300.0

    /// Models whose checkpoint was missing, with when to look again and the current backoff.
    private var modelWaits: [String: (until: Date, delay: Double)] = [:]

    private func waitingModels() -> Set<String> {
        locked { Set(modelWaits.filter { $0.value.until > Date() }.keys) }
    }

    private func pause(_ job: Job, _ problem: EnvironmentProblem) -> Outcome {
        shared.lock()
        defer { shared.unlock() }
        do { try catalog.putBack(job) } catch {
            logger.error("cannot put the job back in the queue (the next start will): \(error)", metadata: ["path": "\(job.path)"])
        }
        if let model = problem.model {
            // Only this model's scans wait; the others are read meanwhile. Reads that were in flight
            // together fail together: only a try after the wait ended lengthens it.
            if let wait = modelWaits[model], wait.until > Date() {
                logger.debug("the scan stays queued: \(problem)", metadata: ["path": "\(job.path)", "job": "\(job.id)"])
                return .finished
            }
            let delay = modelWaits[model].map { min($0.delay * 2, Self.maxPauseS) } ?? Self.firstPauseS
            let first = modelWaits[model] == nil
            if first { try? catalog.setProblem(source: problem.source, message: problem.message) }
            // Jitter (±20 %) keeps many daemons from hammering a server that comes back at the same instant.
            let wait = delay * Double.random(in: 0.8...1.2)
            modelWaits[model] = (Date().addingTimeInterval(wait), delay)
            // One line when the model becomes unavailable, not one per scan or per try.
            logger.log(level: first ? .warning : .debug,
                       "waiting for the model, its scans stay queued: \(problem); trying again with backoff (next in \(Int(wait)) s)",
                       metadata: ["path": "\(job.path)", "job": "\(job.id)", "model": "\(model)"])
            setState(.paused(problem: problem.message, retryInS: delay))
            return .finished
        }
        logger.warning("paused, the scan waits in the queue: \(problem); trying again in \(Int(pauseDelay)) s",
                       metadata: ["path": "\(job.path)", "job": "\(job.id)"])
        if pauseProblem != problem { try? catalog.setProblem(source: problem.source, message: problem.message) }
        pauseProblem = problem
        setState(.paused(problem: problem.message, retryInS: pauseDelay))
        return .paused
    }

    private func pauseUnlessStopped() {
        let deadline = Date().addingTimeInterval(pauseDelay)
        condition.lock()
        while !stopRequested && Date() < deadline { _ = condition.wait(until: deadline) }
        condition.unlock()
        pauseDelay = min(pauseDelay * 2, Self.maxPauseS)
    }

    private func resumeIfPaused() {
        shared.lock()
        defer { shared.unlock() }
        guard let problem = pauseProblem else { return }
        logger.notice("resumed: \(problem) is over")
        try? catalog.clearProblem(source: "worker")
        pauseProblem = nil
        pauseDelay = Self.firstPauseS
    }

    private func waitForWork(upTo seconds: TimeInterval) {
        condition.lock()
        if !wakeRequested && !stopRequested {
            _ = condition.wait(until: Date().addingTimeInterval(seconds))
        }
        wakeRequested = false
        condition.unlock()
    }

    private func unloadIfIdle() {
        guard let current = loaded, Date().timeIntervalSince(lastWorkEnded) >= Double(config.daemon.idleUnloadS) else { return }
        loaded = nil
        logger.info("model unloaded after \(config.daemon.idleUnloadS) s without work", metadata: ["model": "\(current.name)"])
    }

    private func setState(_ state: State) {
        stateBox.set(state)
        onStateChange(state)
    }

    // MARK: one job

    @discardableResult
    func process(_ job: Job) -> Outcome {
        let inbox = config.inbox(containing: job.path) ?? InboxConfig(path: job.inbox)
        let paths = SidecarPaths(scan: job.path, inbox: inbox)
        if let problem = EnvironmentProblem.check(sidecarFolder: (paths.json as NSString).deletingLastPathComponent) {
            return pause(job, problem)
        }
        setState(.reading(path: job.path, tokens: 0))
        logger.info("reading", metadata: ["path": "\(job.path)", "job": "\(job.id)", "model": "\(job.model)", "attempt": "\(job.attempts)"])
        let scan: ScanBytes
        do {
            scan = try ScanBytes.read(job.path, inboxRoot: inbox.path)
        } catch {
            // Gone, replaced by a symlink or a FIFO: nothing to read and nothing to write beside it.
            record(job, error: "\(error)", sidecars: nil, scanMode: 0)
            return .finished
        }
        guard job.attempts <= Self.maxAttempts else {
            let source = SidecarDocument.Source(path: job.path, sha256: job.sha256, bytes: scan.status.size, format: job.format,
                                                width: nil, height: nil)
            record(job, error: "scrawl stopped while reading this scan \(job.attempts - 1) times (a crash or a kill?); "
                       + "it is not read again until `scrawl retry \(job.path)`",
                   sidecars: paths, scanMode: scan.status.mode, source: source)
            return .finished
        }
        let sha256 = SHA256.hex(of: scan.bytes)
        guard sha256 == job.sha256 else {
            record(job, error: "\(job.path): the file changed after it was queued; its new bytes are read instead",
                   sidecars: nil, scanMode: 0)
            return .finished
        }
        let source = SidecarDocument.Source(path: job.path, sha256: job.sha256, bytes: scan.status.size, format: job.format,
                                            width: nil, height: nil)
        do {
            let outcome = try read(job, scan: scan, inbox: inbox, source: source)
            let json = try SidecarSet.write(outcome.document, to: paths, scanMode: scan.status.mode)
            var result = outcome.result
            result.sidecarJSON = json
            // From here the read is good whatever the catalog says: its sidecars are never replaced by an error.
            guard commit(job, result: result) else { return .finished }
            logger.info("read", metadata: ["path": "\(job.path)", "tokens": "\(result.tokens)",
                                           "finish": "\(result.finishReason ?? "")",
                                           "ms": "\(Int(result.timingsMs["total"] ?? 0))", "sidecar": "\(paths.text)"])
        } catch let failure as JobFailure {
            record(job, error: failure.message, sidecars: paths, scanMode: scan.status.mode, source: failure.source,
                   model: failure.model)
        } catch {
            // A missing model or a full, read-only or failing disk: the scan is not at fault.
            if let problem = EnvironmentProblem.from(error) { return pause(job, problem) }
            record(job, error: "\(error)", sidecars: paths, scanMode: scan.status.mode, source: source)
        }
        return .finished
    }

    /// An error with what was known when it happened (for the error sidecar).
    private struct JobFailure: Error {
        var message: String
        var source: SidecarDocument.Source
        var model: SidecarDocument.Model?
    }

    private func read(_ job: Job, scan: ScanBytes, inbox: InboxConfig, source: SidecarDocument.Source)
        throws -> (document: SidecarDocument, result: ReadResult) {
        var source = source
        let started = Date()
        let image: RGBImage
        do {
            guard job.format != unknownScanFormat else { throw NotAnImageError(path: job.path, header: Array(scan.bytes.prefix(8))) }
            image = try decoder.decode(scan.bytes, path: job.path)
        } catch {
            throw JobFailure(message: "cannot decode \(job.path): \(error)", source: source, model: nil)
        }
        let decodeMs = Date().timeIntervalSince(started) * 1000
        source.width = image.width
        source.height = image.height
        let engine: OCREngine
        let loadStarted = Date()
        do {
            engine = try self.engine(for: job.model)
        } catch {
            if let problem = EnvironmentProblem.from(error, model: job.model) { throw problem }
            throw JobFailure(message: "\(error)", source: source, model: nil)
        }
        // Loading the model (first scan, or after an idle unload) is reported apart from the read.
        let loadMs = Date().timeIntervalSince(loadStarted) * 1000
        let model = SidecarDocument.Model(name: engine.modelName, identity: engine.identity)
        let request = OCRRequest(prompt: job.prompt, maxNewTokens: job.maxTokens, maxPixels: inbox.maxPixels, greedy: true)
        var lastProgress = Date()
        let output: OCRResult
        do {
            output = try engine.read(image, request: request) { event in
                guard case .token(_, _, let count) = event, Date().timeIntervalSince(lastProgress) >= Self.progressInterval else { return }
                lastProgress = Date()
                try? catalog.recordProgress(jobID: job.id, tokens: count)
                setState(.reading(path: job.path, tokens: count))
            }
        } catch {
            // The server or the way to it failed, not the scan: it stays queued.
            if let problem = EnvironmentProblem.from(error, model: job.model) { throw problem }
            throw JobFailure(message: "the model could not read \(job.path): \(error)", source: source, model: model)
        }
        modelAvailable(job.model)
        let timings: [String: Double] = [
            "decode_image": decodeMs, "preprocess": output.timings.preprocessMs, "vision": output.timings.visionMs,
            "prefill": output.timings.prefillMs, "generate": output.timings.generateMs,
            "load_model": loadMs, "total": Date().timeIntervalSince(started) * 1000 - loadMs,
        ]
        let document = SidecarDocument(source: source, model: model, prompt: job.prompt, text: output.text,
                                       tokens: output.tokenCount, finishReason: output.finishReason.rawValue,
                                       timingsMs: timings, error: nil, reused: nil, scrawlVersion: ScrawlVersion.current,
                                       createdAt: SidecarSet.timestamp())
        let result = ReadResult(text: output.text, error: nil, model: model.name, checkpoint: model.checkpoint ?? model.endpoint ?? "",
                                configHash: model.configSHA256 ?? "", prompt: job.prompt, tokens: output.tokenCount,
                                finishReason: output.finishReason.rawValue, width: image.width, height: image.height,
                                timingsMs: timings)
        return (document, result)
    }

    private func engine(for modelName: String) throws -> OCREngine {
        guard let spec = config.models.spec(named: modelName) else {
            throw EngineLoadError.unknownModel(name: modelName, known: config.models.names)
        }
        if spec.remote != nil {
            return try locked {
                if let engine = remoteEngines[spec.name] { return engine }
                let engine = try loader.load(spec)
                remoteEngines[spec.name] = engine
                return engine
            }
        }
        if let loaded, loaded.name == spec.name { return loaded.engine }
        if let previous = loaded {
            logger.info("unloading model to load another", metadata: ["model": "\(previous.name)", "next": "\(spec.name)"])
            loaded = nil
        }
        let started = Date()
        let engine = try loader.load(spec)
        loaded = (spec.name, engine)
        logger.info("model loaded", metadata: ["model": "\(spec.name)", "checkpoint": "\(spec.checkpointPath ?? "")",
                                               "seconds": "\(String(format: "%.1f", Date().timeIntervalSince(started)))"])
        return engine
    }

    /// A read of `model` worked: if its scans were waiting (no checkpoint, endpoint down), say once that they go on.
    private func modelAvailable(_ model: String) {
        guard locked({ modelWaits.removeValue(forKey: model) }) != nil else { return }
        let remote = config.models.spec(named: model)?.remote
        logger.notice(remote.map { "the endpoint of model \(model) (\($0.displayURL)) answers again: its queued scans are read" }
                      ?? "the \(model) checkpoint is there now: its queued scans are read", metadata: ["model": "\(model)"])
        try? catalog.clearProblem(source: EnvironmentProblem(message: "", model: model).source)
    }

    /// Records a failed read: the error sidecar (when there is a scan to put it beside), the catalog, the log.
    private func record(_ job: Job, error message: String, sidecars: SidecarPaths?, scanMode: mode_t,
                        source: SidecarDocument.Source? = nil, model: SidecarDocument.Model? = nil) {
        logger.error("failed: \(message)", metadata: ["path": "\(job.path)", "job": "\(job.id)"])
        var result = ReadResult(text: nil, error: message, model: model?.name ?? job.model,
                                checkpoint: model?.checkpoint ?? model?.endpoint ?? "",
                                configHash: model?.configSHA256 ?? "", prompt: job.prompt, tokens: 0, finishReason: nil,
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

    /// The longest wait between two tries of a commit the catalog refused.
    static let maxCommitBackoffS = 30.0

    /// Records a finished job, retrying with backoff (0.5 s doubling to 30 s) while the catalog is busy
    /// (`scrawl reindex` holds its write lock), full, or read-only for a while: a finished read is
    /// never turned into a failure by the catalog. Returns false when it was not recorded: the job was
    /// finished or requeued by someone else (final), or the daemon is stopping (the job stays running
    /// and is queued again at the next start).
    @discardableResult
    private func commit(_ job: Job, result: ReadResult) -> Bool {
        var delay = 0.5
        while true {
            do {
                try catalog.complete(job, result: result)
                return true
            } catch let error as CatalogError {
                logger.error("cannot record the result in the catalog: \(error)", metadata: ["path": "\(job.path)", "job": "\(job.id)"])
                return false
            } catch {
                guard !shouldStop else {
                    logger.error("stopping before the catalog took the result (\(error)); the job is queued again at the next start",
                                 metadata: ["path": "\(job.path)", "job": "\(job.id)"])
                    return false
                }
                logger.warning("cannot record the result in the catalog yet (\(error)); the sidecars stay, retrying in \(delay) s",
                               metadata: ["path": "\(job.path)", "job": "\(job.id)"])
                setState(.recording(path: job.path, problem: "\(error)", retryInS: delay))
                waitForWork(upTo: delay)
                delay = min(delay * 2, Self.maxCommitBackoffS)
            }
        }
    }
}
