import Catalog
import Foundation
import Glibc
import Inference
import Logging

/// `scrawl serve`: wires the inbox monitor (watcher + settle + intake), the worker, the catalog and
/// systemd together, and runs until SIGTERM/SIGINT.
///
/// Threads: the calling thread runs the monitor loop; the worker has its own thread (a model run
/// takes minutes); signals and the watchdog run on dispatch queues. On stop the worker gets
/// `stop_grace_s` to finish the scan it is reading; past that the scan is abandoned cleanly — its
/// job goes back to the queue and is read again at the next start — and the process exits 0.
public final class ScrawlDaemon {
    private var config: ScrawlConfig
    private let loader: EngineLoading
    private let decoder: ScanDecoding
    private let logger: Logger

    public init(config: ScrawlConfig, loader: EngineLoading, decoder: ScanDecoding, logger: Logger) {
        self.config = config
        self.loader = loader
        self.decoder = decoder
        self.logger = logger
    }

    /// Says at start, not only at the first scan, when an inbox's model has no checkpoint yet
    /// (folder tags may still name the other model; those scans wait with the same advice), and
    /// asks each remote model's endpoint for its `/models` (in the background: a slow server must
    /// not hold up the start).
    private func checkModels() {
        let used = Set(config.inboxes.map(\.model))
        for spec in config.models.all where used.contains(spec.name) {
            if let path = spec.checkpointPath, !ModelRegistry.hasCheckpoint(at: path) {
                logger.warning("no \(spec.name) checkpoint at \(path): its scans wait in the queue until `scrawl models pull \(spec.name)` (or [models] \(spec.name) = \"/path\")")
            }
        }
        let logger = self.logger
        for spec in config.models.all {
            guard let endpoint = spec.remote else { continue }
            DispatchQueue.global().async {
                let check = RemoteModelCheck.run(endpoint)
                logger.log(level: check.level, "\(check.message)", metadata: ["model": "\(spec.name)"])
            }
        }
    }

    /// Says at start when sidecars cannot be written where they go (a read-only mount, a forgotten
    /// `ReadWritePaths=`, a full disk): those scans wait in the queue until it is fixed.
    private func warnAboutUnwritableFolders() {
        for inbox in config.inboxes {
            let folder = inbox.sidecarDir ?? inbox.path
            if let problem = EnvironmentProblem.check(sidecarFolder: folder) {
                logger.error("sidecars cannot be written: \(problem)", metadata: ["path": "\(folder)"])
            }
        }
    }

    /// How much start time is asked for before the catalog is opened (and migrated).
    static let startTimeoutExtensionS = 600
    /// After the grace time, how long a cancelled read may take to reach its next check.
    static let cancelWaitS = 10

    /// Runs until stopped. Throws only for problems that prevent starting.
    public func run() throws {
        try prepareInboxes()
        try prepareStateDir()
        let lock = try InstanceLock(stateDir: config.stateDir)
        let notifier = SystemdNotifier()
        // A schema migration of a large catalog may outlast TimeoutStartSec: ask for more time first.
        notifier.extendStartTimeout(seconds: Self.startTimeoutExtensionS, status: "opening the catalog (migrating it if needed)")
        let catalog = try Catalog(path: config.catalogPath)
        let requeued = try catalog.requeueRunningJobs()
        if requeued > 0 { logger.notice("\(requeued) job(s) left running by an earlier process are queued again") }
        checkModels()
        warnAboutUnwritableFolders()

        let config = self.config
        let logger = self.logger
        let inboxSummary = "watching \(config.inboxes.count) inbox\(config.inboxes.count == 1 ? "" : "es")"
        let worker = Worker(catalog: catalog, config: config, loader: loader, decoder: decoder, logger: logger) { state in
            switch state {
            case .idle: notifier.status("idle, \(inboxSummary)")
            case .reading(let path, let tokens, let page, let pageCount):
                let where_ = pageCount > 1 ? ", page \(page)/\(pageCount)" : ""
                notifier.status("reading \(path) (\(tokens) tokens\(where_))")
            case .paused(let problem, let retry): notifier.status("paused: \(problem) (trying again in \(Int(retry)) s)")
            case .stalled(let path, let phase, let seconds):
                notifier.status("no progress for \(seconds) s reading \(path) (\(phase)); given up at stall_timeout_s")
            case .recording(let path, let problem, let retry):
                notifier.status("read \(path), the catalog refuses the result (\(problem)): retrying in \(retry) s")
            case .stopped: break
            }
        }
        let intake = ScanIntake(catalog: catalog, config: config, tags: FolderTagResolver(logger: logger, models: config.models.names), logger: logger)
        let monitor = try InboxMonitor(config: config, catalog: catalog, intake: intake, logger: logger) { worker.wake() }

        let stopping = Locked(false)
        let signals = SignalWatcher(onStop: { number in
            guard !stopping.update({ flag in defer { flag = true }; return flag }) else { return }
            logger.notice("signal \(number): stopping (the scan being read may finish within the grace time)")
            notifier.stopping(status: "stopping")
            monitor.stop()
            worker.requestStop()
        }, onRescan: {
            logger.notice("SIGHUP: rescanning every inbox")
            monitor.requestRescan()
        })
        defer { signals.cancel() }

        let workerDone = DispatchSemaphore(value: 0)
        let thread = Thread {
            worker.run()
            workerDone.signal()
        }
        thread.name = "scrawl-worker"
        thread.stackSize = 16 << 20
        thread.start()

        var watchdog: Watchdog?
        let watchdogInterval = SystemdNotifier.watchdogInterval()
        if let interval = watchdogInterval {
            let heartbeat = monitor.heartbeat
            watchdog = Watchdog(interval: interval, notifier: notifier) { Date().timeIntervalSince(heartbeat.get()) < interval }
            watchdog?.start()
        }
        defer { watchdog?.stop() }

        // READY before the first walk: on a large inbox the walk and the hashing of new files take long,
        // and they run inside the loop that keeps the watchdog fed, not under the start timeout.
        notifier.ready(status: "idle, \(inboxSummary)")
        logger.notice("ready", metadata: ["inboxes": "\(config.inboxes.map(\.path).joined(separator: ","))",
                                          "catalog": "\(config.catalogPath)", "pid": "\(getpid())",
                                          "kernels": "\(EngineOpener.kernelReport)"])
        if let warning = EngineOpener.kernelWarning { logger.warning("\(warning)") }
        monitor.start()
        worker.wake()
        // The loop turns at least four times per watchdog interval, so a fresh heartbeat means a live loop.
        monitor.run(idleWaitMs: Int32(min(1000, (watchdogInterval ?? 4) * 1000 / 4)))

        // An idle worker needs a moment to notice; a busy one gets the grace time, then its read is
        // cancelled (at the next vision layer or token: the job is queued again, pages read are kept);
        // a read stuck where no check runs is abandoned.
        let grace = worker.state == .idle ? max(2, config.daemon.stopGraceS) : config.daemon.stopGraceS
        var finished = workerDone.wait(timeout: .now() + .seconds(grace)) == .success
        if !finished {
            logger.notice("grace time over: cancelling the read in progress; it is read again at the next start")
            worker.cancelCurrentRead()
            finished = workerDone.wait(timeout: .now() + .seconds(Self.cancelWaitS)) == .success
            if finished {
                do { try catalog.requeueRunningJobs() } catch {
                    logger.error("cannot put the cancelled job back in the queue (the next start will): \(error)")
                }
            }
        }
        if !finished {
            if case .reading(let path, _, _, _) = worker.state {
                logger.notice("abandoning the scan being read; it stays queued and is read again at the next start",
                              metadata: ["path": "\(path)"])
            }
            do { try catalog.requeueRunningJobs() } catch {
                logger.error("cannot put the abandoned job back in the queue (the next start will): \(error)")
            }
            fflush(nil)
            _exit(0)
        }
        withExtendedLifetime(lock) {}
        logger.notice("stopped")
    }

    /// Inbox paths become real paths (symlinked inboxes resolve once, here); a missing inbox is an
    /// error only when none exists (a network share may come later: the monitor watches it then).
    private func prepareInboxes() throws {
        guard !config.inboxes.isEmpty else {
            throw DaemonError.noInbox(configFile: config.sourcePath ?? ScrawlConfig.defaultPath)
        }
        var existing = 0
        for index in config.inboxes.indices {
            let path = config.inboxes[index].path
            if let real = resolvedPath(path), FileStatus.lstat(real)?.kind == .directory {
                config.inboxes[index].path = real
                existing += 1
            } else {
                logger.error("inbox does not exist (yet); it is watched once it appears", metadata: ["path": "\(path)"])
            }
            if let dir = config.inboxes[index].sidecarDir, let real = resolvedPath(dir) {
                config.inboxes[index].sidecarDir = real
            }
        }
        guard existing > 0 else { throw DaemonError.inboxMissing(path: config.inboxes[0].path) }
    }

    private func prepareStateDir() throws {
        do {
            try FileManager.default.createDirectory(atPath: config.stateDir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw DaemonError.stateDir(path: config.stateDir, reason: error.localizedDescription)
        }
        guard access(config.stateDir, W_OK) == 0 else {
            throw DaemonError.stateDir(path: config.stateDir, reason: String(cString: strerror(errno)))
        }
    }
}
