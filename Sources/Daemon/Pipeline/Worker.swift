import Catalog
import Foundation
import Imaging
import Inference
import Logging

/// The job runner: takes queued jobs oldest first, checks each (the scan's bytes still those queued,
/// room for its sidecars), has the `ScanReader` read it with the model its folder asks for (kept
/// resident by `ModelResidency`) and the `OutcomeRecorder` write and record what came of it. It
/// owns the loop, the pauses for environment problems and the waits for missing models (or
/// endpoints that are down). Every per-scan error is caught, logged with the path and recorded: a
/// scan never stops the worker. Scans of a remote model are read on threads of their own, up to its
/// `max_in_flight` at once, while the loop goes on claiming (and reads local scans itself).
public final class Worker: @unchecked Sendable {
    public enum State: Equatable, Sendable {
        case idle
        /// Reading `path`: tokens of the page being read, that page (1-based) of `pageCount`.
        case reading(path: String, tokens: Int, page: Int = 1, pageCount: Int = 1)
        /// A read is finished (its sidecars are written) but the catalog refuses the commit: retried.
        case recording(path: String, problem: String, retryInS: Double)
        /// The read of `path` has shown no progress for `seconds` in `phase` (it is given up at
        /// `stall_timeout_s`, or reported until it moves again when stuck where no check runs).
        case stalled(path: String, phase: String, seconds: Int)
        /// The machine keeps scans from being read (no model yet, a full disk): the queue waits.
        case paused(problem: String, retryInS: Double)
        case stopped
    }

    private let catalog: Catalog
    private let config: ScrawlConfig
    private let decoder: ScanDecoding
    private let logger: Logger
    private let onStateChange: @Sendable (State) -> Void
    private let condition = NSCondition()
    private var stopRequested = false
    private var wakeRequested = false
    private let stateBox = Locked<State>(.idle)
    /// The budget of the page being read (nil between reads): the stall reporter reads it, a stop cancels it.
    private let currentBudget = Locked<ReadBudget?>(nil)

    // Touched only on the worker's thread.
    private let residency: ModelResidency
    private lazy var recorder = OutcomeRecorder(
        catalog: catalog, logger: logger, shouldStop: { [unowned self] in shouldStop },
        wait: { [unowned self] in waitForWork(upTo: $0) },
        onRetry: { [unowned self] path, problem, delay in setState(.recording(path: path, problem: problem, retryInS: delay)) })
    /// A job claimed more often than this was interrupted every time (the process crashed or was
    /// killed while reading it): it is failed instead of read again, so one poisonous scan cannot
    /// crash-loop the service. `scrawl retry` queues it again.
    public static let maxAttempts = 3

    public init(catalog: Catalog, config: ScrawlConfig, loader: EngineLoading, decoder: ScanDecoding, logger: Logger,
                onStateChange: @escaping @Sendable (State) -> Void = { _ in }) {
        self.catalog = catalog
        self.config = config
        self.decoder = decoder
        self.logger = logger
        self.onStateChange = onStateChange
        residency = ModelResidency(config: config, loader: loader, logger: logger)
        _ = recorder  // made now, not lazily on whichever reading thread comes first
    }

    /// Jobs in a row claimed for the loaded model (the loop's thread only).
    private var preferredRun = 0

    /// Guards what remote reads on their own threads share with the loop's thread: the reads in
    /// flight, the model waits and the pause.
    private let shared = NSRecursiveLock()
    /// Remote reads in flight, per model name.
    private var inFlight: [String: Int] = [:]
    /// A remote read met a problem of the machine (a full disk): the loop pauses at its next turn.
    private var pauseRequested = false
    private let remoteReadsDone = NSCondition()

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        shared.lock()
        defer { shared.unlock() }
        return try body()
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
        let reporter = Thread { [unowned self] in reportStalls() }
        reporter.name = "scrawl-stall-reporter"
        reporter.start()
        while !shouldStop {
            if locked({ defer { pauseRequested = false }; return pauseRequested }) { pauseUnlessStopped() }
            let job: Job?
            do {
                job = try claimNext(skipping: waitingModels().union(fullRemoteModels()))
            } catch {
                logger.error("cannot take the next job from the catalog: \(error)")
                waitForWork(upTo: 2)
                continue
            }
            guard let job else {
                residency.unloadIfIdle()
                let nextModelTry = locked { modelWaits.values.map { $0.until.timeIntervalSinceNow }.min() } ?? 5
                waitForWork(upTo: min(5, max(0.1, nextModelTry)))
                continue
            }
            if config.models.spec(named: job.model)?.remote != nil {
                startRemoteRead(job)
                continue
            }
            let outcome = process(job)
            if outcome == .interrupted { putBackStopped(job) }
            if outcome == .paused {
                pauseUnlessStopped()
            } else {
                resumeIfPaused()
                residency.workEnded()
                setState(.idle)
            }
        }
        waitForRemoteReads()
        residency.unload()
        setState(.stopped)
    }

    /// Stops the read in progress at its next check (a vision layer, a token): the daemon is stopping
    /// and the grace time is over. The job stays running; the next start reads it again (pages
    /// already read are kept). Every remote read in flight is stopped too (within
    /// `HTTPExchange.tick`); those are queued again at once, as if never claimed.
    public func cancelCurrentRead() {
        currentBudget.get()?.stopForShutdown()
        for budget in remoteBudgets.get().values { budget.get()?.stopForShutdown() }
    }

    /// A read without progress for this long is reported (before it is given up at `stall_timeout_s`).
    static func stallReportAfterS(_ settings: DaemonSettings) -> Double { min(60, Double(settings.stallTimeoutS) / 2) }

    /// Every 2 s while the worker runs: says in STATUS, the log and `scrawl status` when the read in
    /// progress has stopped moving, even when it is stuck where the engine's checks never run.
    private func reportStalls() {
        var reported = false
        while stateBox.get() != .stopped {
            Thread.sleep(forTimeInterval: 2)
            let path: String
            switch stateBox.get() {
            case .reading(let p, _, _, _), .stalled(let p, _, _): path = p
            default:
                if reported { try? catalog.clearProblem(source: Self.stallSource) }
                reported = false
                continue
            }
            guard let budget = currentBudget.get() else { continue }
            let (phase, seconds) = budget.stall
            if seconds >= Self.stallReportAfterS(config.daemon) {
                if !reported {
                    logger.warning("no progress for \(Int(seconds)) s in \(phase.rawValue); the read is given up at stall_timeout_s = \(config.daemon.stallTimeoutS) s",
                                   metadata: ["path": "\(path)"])
                    reported = true
                }
                try? catalog.setProblem(source: Self.stallSource,
                                        message: "no progress for \(Int(seconds)) s reading \(path) (\(phase.rawValue))")
                setState(.stalled(path: path, phase: phase.rawValue, seconds: Int(seconds)))
            } else if reported {
                logger.notice("the read moves again", metadata: ["path": "\(path)"])
                try? catalog.clearProblem(source: Self.stallSource)
                reported = false
            }
        }
    }

    static let stallSource = "worker stall"

    /// Remote models with `max_in_flight` reads running: their next scans wait for a free slot.
    private func fullRemoteModels() -> Set<String> {
        locked {
            Set(inFlight.filter { name, count in count >= (config.models.spec(named: name)?.remote?.maxInFlight ?? 1) }.keys)
        }
    }

    /// The page budget of each remote read in flight, by job id: a stop past the grace time cancels them all.
    private let remoteBudgets = Locked<[Int64: Locked<ReadBudget?>]>([:])

    /// A read the daemon's stop interrupted (between pages, or cancelled past the grace time) goes
    /// back to the queue without counting as an attempt: a clean stop is not the crash `maxAttempts`
    /// guards against, so restarts during a long document never fail it. Pages read are kept.
    private func putBackStopped(_ job: Job) {
        do { try catalog.putBack(job) } catch {
            logger.error("cannot put the stopped read back in the queue (the next start will): \(error)",
                         metadata: ["path": "\(job.path)"])
        }
    }

    /// Reads a remote model's scan on a thread of its own; the loop is woken when it ends. A read
    /// the stop cancelled goes back to the queue without counting as an attempt (a clean stop is not
    /// the crash `maxAttempts` guards against).
    private func startRemoteRead(_ job: Job) {
        locked { inFlight[job.model, default: 0] += 1 }
        let budget = Locked<ReadBudget?>(nil)
        remoteBudgets.update { $0[job.id] = budget }
        let thread = Thread { [self] in
            let outcome = process(job, budget: budget)
            remoteBudgets.update { $0[job.id] = nil }
            if outcome == .interrupted { putBackStopped(job) }
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

    /// After this many jobs in a row for the loaded model, the oldest queued job goes next, whatever its model.
    static let maxPreferredRun = 32

    /// The next job: the loaded model's queued jobs first (no unload and load per scan in a mixed
    /// queue), bounded by `maxPreferredRun` here and by `Catalog.preferenceMaxWait` in the catalog.
    private func claimNext(skipping models: Set<String>) throws -> Job? {
        let preferred = preferredRun < Self.maxPreferredRun ? residency.residentModel : nil
        let job = try catalog.claimNextJob(skippingModels: models, preferring: preferred)
        if let job { preferredRun = job.model == residency.residentModel && preferred != nil ? preferredRun + 1 : 0 }
        return job
    }

    /// At stop: the remote reads in flight finish (the daemon's stop_grace_s bounds the wait).
    private func waitForRemoteReads() {
        remoteReadsDone.lock()
        while locked({ !inFlight.isEmpty }) { _ = remoteReadsDone.wait(until: Date().addingTimeInterval(0.5)) }
        remoteReadsDone.unlock()
    }

    /// Runs every queued job, then returns (tests and one-shot use); stops at a pause.
    public func drain() {
        while let job = try? claimNext(skipping: waitingModels()) {
            guard process(job) == .finished else { return }
            resumeIfPaused()
        }
        setState(.idle)
    }

    /// What became of a claimed job.
    enum Outcome: Equatable {
        /// Recorded (read or failed), or left for the next start while stopping.
        case finished
        /// Stopped by the daemon's stop (between pages, or cancelled past the grace time): the job is
        /// still running, with the pages read so far kept.
        case interrupted
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
            let first = modelWaits[model] == nil
            let delay = modelWaits[model].map { min($0.delay * 2, Self.maxPauseS) } ?? Self.firstPauseS
            if first { try? catalog.setProblem(source: problem.source, message: problem.message) }
            // Jitter (±20 %) keeps many daemons from hammering a server that comes back at the same instant.
            let wait = delay * Double.random(in: 0.8...1.2)
            modelWaits[model] = (Date().addingTimeInterval(wait), delay)
            // One line when the model becomes unavailable, not one per scan or per try.
            logger.log(level: first ? .warning : .debug,
                       "waiting for the model, the scan stays queued (and the model's others): \(problem); trying again with backoff (next in \(Int(wait)) s)",
                       metadata: ["path": "\(job.path)", "job": "\(job.id)", "model": "\(model)"])
            setState(.paused(problem: problem.message, retryInS: wait))
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

    private func setState(_ state: State) {
        stateBox.set(state)
        onStateChange(state)
    }

    // MARK: one job

    /// `budget`: where the page budget goes (a remote read's own; by default the worker's one).
    @discardableResult
    func process(_ job: Job, budget: Locked<ReadBudget?>? = nil) -> Outcome {
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
            recorder.recordFailure(job, error: "\(error)", sidecars: nil, scanMode: 0)
            return .finished
        }
        let source = SidecarDocument.Source(path: job.path, sha256: job.sha256, bytes: scan.status.size, format: job.format,
                                            width: nil, height: nil)
        guard job.attempts <= Self.maxAttempts else {
            recorder.recordFailure(job, error: "scrawl stopped while reading this scan \(job.attempts - 1) times (a crash or a kill?); "
                                       + "it is not read again until `scrawl retry \(job.path)`",
                                   sidecars: paths, scanMode: scan.status.mode, source: source)
            return .finished
        }
        guard SHA256.hex(of: scan.bytes) == job.sha256 else {
            recorder.recordFailure(job, error: "\(job.path): the file changed after it was queued; its new bytes are read instead",
                                   sidecars: nil, scanMode: 0)
            return .finished
        }
        let reader = ScanReader(decoder: decoder, residency: residency, catalog: catalog, logger: logger,
                                settings: config.daemon, currentBudget: budget ?? currentBudget,
                                shouldStop: { [unowned self] in shouldStop }) {
            [catalog] progress in
            try? catalog.recordProgress(jobID: job.id, tokens: progress.tokens, page: progress.page, pageCount: progress.pageCount)
            self.setState(.reading(path: job.path, tokens: progress.tokens, page: progress.page, pageCount: progress.pageCount))
        }
        do {
            let outcome = try reader.read(job, scan: scan, inbox: inbox, source: source)
            modelArrived(job.model)
            try recorder.recordRead(job, document: outcome.document, result: outcome.result, sidecars: paths, scanMode: scan.status.mode)
        } catch let stop as ScanReadInterrupted {
            logger.notice("stopping between pages: \(stop.page - 1) of \(stop.pageCount) read and kept; the next start resumes at page \(stop.page)",
                          metadata: ["path": "\(job.path)", "job": "\(job.id)"])
            return .interrupted
        } catch let failure as ScanReadFailure {
            modelArrived(job.model)
            recorder.recordFailure(job, error: failure.message, sidecars: paths, scanMode: scan.status.mode, source: failure.source,
                                   model: failure.model)
        } catch {
            // A missing model or a full, read-only or failing disk: the scan is not at fault.
            if let problem = EnvironmentProblem.from(error) { return pause(job, problem) }
            recorder.recordFailure(job, error: "\(error)", sidecars: paths, scanMode: scan.status.mode, source: source)
        }
        return .finished
    }

    /// The model `name` answered: if its scans were waiting (for the checkpoint, for memory, for the
    /// endpoint), say once that they are read now. The first load in a process clears a problem left
    /// by the last run too (a restart with more memory).
    private func modelArrived(_ name: String) {
        guard residency.isLoaded(name) else { return }
        if locked({ modelWaits.removeValue(forKey: name) }) != nil {
            if let remote = config.models.spec(named: name)?.remote {
                logger.notice("the endpoint of model \(name) (\(remote.displayURL)) answers again: its queued scans are read",
                              metadata: ["model": "\(name)"])
            } else {
                logger.notice("the \(name) model can be loaded now: its queued scans are read")
            }
            locked { _ = modelsLoadedOnce.insert(name) }
        } else if !locked({ modelsLoadedOnce.insert(name).inserted }) {
            return
        }
        try? catalog.clearProblem(source: EnvironmentProblem(message: "", model: name).source)
    }

    /// Models loaded at least once by this process (touched only on the worker's thread).
    private var modelsLoadedOnce: Set<String> = []
}
