import Catalog
import Foundation
import Glibc
import Logging

/// Watches every inbox and feeds settled files to the intake: inotify events, a full rescan at start,
/// on IN_Q_OVERFLOW, on request (SIGHUP) and every `rescan_interval_s` (network mounts, where inotify
/// sees nothing). Deletes and moves out leave search via `Catalog.markRemoved`. Runs on one thread;
/// `stop()`, `requestRescan()` and `heartbeat` may be used from others.
public final class InboxMonitor: @unchecked Sendable {
    private let config: ScrawlConfig
    private let catalog: Catalog
    private let intake: ScanIntake
    private let logger: Logger
    private let onQueued: @Sendable () -> Void
    private let watcher: InotifyWatcher
    private let excluded: Set<String>
    private let wakePipe: (read: Int32, write: Int32)

    private let stopFlag = Locked(false)
    private let rescanFlag = Locked(false)
    /// When the loop last went round; the watchdog pings systemd only while this stays fresh.
    public let heartbeat = Locked(Date())

    // Confined to the monitor's thread.
    private var settle = SettleTracker()
    /// size+mtime of each file when it was last taken, so rescans skip files that did not change.
    private var taken: [String: SettleTracker.Snapshot] = [:]
    private var missingInboxes: Set<String> = []
    /// What each of the monitor's problems in the catalog says now, by source ("inbox PATH", "watches", "settle").
    private var problems: [String: String] = [:]
    private var problemsSynced: Set<String> = []
    private var nextProblemCheck = Date()
    private var nextMissingRecheck = Date()
    private var nextPeriodicRescan: Date

    public init(config: ScrawlConfig, catalog: Catalog, intake: ScanIntake, logger: Logger,
                onQueued: @escaping @Sendable () -> Void) throws {
        self.config = config
        self.catalog = catalog
        self.intake = intake
        self.logger = logger
        self.onQueued = onQueued
        excluded = Set(config.inboxes.compactMap(\.sidecarDir))
        watcher = try InotifyWatcher(excluding: excluded)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw DaemonError.inotify(reason: "pipe failed: \(String(cString: strerror(errno)))") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakePipe = (fds[0], fds[1])
        nextPeriodicRescan = Date().addingTimeInterval(Double(max(config.daemon.rescanIntervalS, 1)))
    }

    deinit {
        close(wakePipe.read)
        close(wakePipe.write)
    }

    /// Ends `run()` (from any thread).
    public func stop() {
        stopFlag.set(true)
        wake()
    }

    /// A full rescan at the next turn of the loop (from any thread).
    public func requestRescan() {
        rescanFlag.set(true)
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakePipe.write, &byte, 1)
    }

    /// Files waiting for their settle time.
    public var pendingCount: Int { settle.count }

    /// Watches every inbox and runs the first full rescan. Call before `run()`.
    public func start() {
        rescanAll(reason: "start")
    }

    /// The loop; returns after `stop()`. It waits at most `idleWaitMs` for an event, so `heartbeat`
    /// is never older than that while the loop is healthy.
    public func run(idleWaitMs: Int32 = 1000) {
        while !stopFlag.get() {
            turn(timeoutMs: settle.isEmpty ? idleWaitMs : min(idleWaitMs, 100))
        }
    }

    /// One turn of the loop: wait for events (up to `timeoutMs`), handle them, take settled files.
    public func turn(timeoutMs: Int32) {
        heartbeat.set(Date())
        var fds = [pollfd(fd: watcher.fd, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, nfds_t(fds.count), timeoutMs)
        var drain = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wakePipe.read, &drain, drain.count) > 0 {}
        if fds[0].revents & Int16(POLLIN) != 0 {
            for event in watcher.readEvents() { handle(event) }
        }
        let periodic = config.daemon.rescanIntervalS > 0 && Date() >= nextPeriodicRescan
        if rescanFlag.update({ flag in defer { flag = false }; return flag }) || periodic {
            rescanAll(reason: periodic ? "periodic" : "requested")
        }
        recheckMissingInboxes()
        takeSettled()
        reportWatchAndSettleProblems()
    }

    private func handle(_ event: WatchEvent) {
        switch event {
        case .fileWritten(let path):
            observe(path)
        case .fileRemoved(let path):
            guard ScanNameFilter.mayBeScan((path as NSString).lastPathComponent) else { return }
            settle.forget(path)
            taken[path] = nil
            markRemoved(path: path)
        case .folderAppeared(let folder):
            logger.debug("folder appeared, now watched", metadata: ["path": "\(folder)"])
            guard let inbox = config.inbox(containing: folder) else { return }
            for found in InboxScanner.files(under: folder, recursive: inbox.recursive, excluding: excluded) {
                settle.observe(found.path, found.status.snapshot, settleMs: inbox.settleMs, now: now())
            }
        case .folderRemoved(let folder) where config.inboxes.contains(where: { $0.path == folder }):
            // An inbox itself moved away or unmounted: its files are not deleted. It is walked at once, then
            // every `missingInboxRecheckS` while it is missing, and watched again when it is back.
            settle.forget(under: folder)
            logger.warning("the inbox itself was moved away or deleted: nothing leaves search; watching resumes when it is back",
                           metadata: ["path": "\(folder)"])
            if let inbox = config.inboxes.first(where: { $0.path == folder }) { _ = rescan(inbox, reason: "inbox gone") }
        case .folderRemoved(let folder):
            settle.forget(under: folder)
            taken = taken.filter { !isInside($0.key, root: folder) }
            logger.info("folder removed or moved away: its documents leave search", metadata: ["path": "\(folder)"])
            do { try catalog.markRemoved(under: folder) } catch {
                logger.error("cannot mark removed: \(error)", metadata: ["path": "\(folder)"])
            }
        case .overflow:
            logger.warning("inotify queue overflowed: rescanning every inbox")
            rescanAll(reason: "inotify overflow")
        }
    }

    private func observe(_ path: String) {
        guard ScanNameFilter.mayBeScan((path as NSString).lastPathComponent),
              let inbox = config.inbox(containing: path) else { return }
        guard let status = FileStatus.lstat(path) else {
            // Names reach Swift as UTF-8 with bad bytes replaced by U+FFFD, so such a file cannot be opened by name.
            if path.contains("\u{FFFD}") { reportUndecodable(path) }
            return
        }
        guard status.kind == .regular else { return }
        settle.observe(path, status.snapshot, settleMs: inbox.settleMs, now: now())
    }

    private func reportUndecodable(_ path: String) {
        logger.error("file name is not valid UTF-8, so scrawl cannot open it (shown with U+FFFD); rename it to UTF-8",
                     metadata: ["path": "\(path)"])
    }

    private func markRemoved(path: String) {
        logger.info("file removed or moved away: it leaves search", metadata: ["path": "\(path)"])
        do { try catalog.markRemoved(path: path) } catch {
            logger.error("cannot mark removed: \(error)", metadata: ["path": "\(path)"])
        }
    }

    /// Settled files taken (and enqueued in one transaction) at a time.
    static let intakeBatch = 64
    /// How soon a file the catalog could not take is taken again.
    static let deferredRetryMs = 2000

    private func takeSettled() {
        let ready = settle.settled(now: now()) { path in
            guard let status = FileStatus.lstat(path), status.kind == .regular else { return nil }
            return status.snapshot
        }
        // In batches: one transaction each, and the queue wakes the worker before a long walk ends.
        let beat = { [heartbeat] in heartbeat.set(Date()) }
        for start in stride(from: 0, to: ready.count, by: Self.intakeBatch) {
            let paths = Array(ready[start..<min(start + Self.intakeBatch, ready.count)])
            for path in paths { if let status = FileStatus.lstat(path) { taken[path] = status.snapshot } }
            var queued = false
            var catalogFailure: String?
            for (path, outcome) in zip(paths, intake.take(paths, progress: beat)) {
                if case .deferred(let reason) = outcome { catalogFailure = reason }
                switch outcome {
                case .queued: queued = true
                case .unreadable: taken[path] = nil  // not "taken": the next rescan looks again (a chmod changes no mtime)
                case .deferred:
                    // Not final (the catalog was busy or failing): forget it was taken and look again soon.
                    taken[path] = nil
                    if let status = FileStatus.lstat(path), let inbox = config.inbox(containing: path) {
                        settle.observe(path, status.snapshot, settleMs: max(inbox.settleMs, Self.deferredRetryMs), now: now())
                    }
                default: break
                }
            }
            if queued { onQueued() }
            // Said in `scrawl status` (when the catalog takes that write), cleared by the next batch it takes.
            report("catalog", catalogFailure.map { "cannot queue scans, tried again in a moment: \($0)" })
        }
    }

    /// Watches inboxes not watched yet (new, or deleted and back), walks every inbox for files that
    /// changed since they were last taken, and marks files the catalog knows but the disk lost.
    private func rescanAll(reason: String) {
        nextPeriodicRescan = Date().addingTimeInterval(Double(max(config.daemon.rescanIntervalS, 1)))
        let seen = config.inboxes.reduce(0) { $0 + rescan($1, reason: reason) }
        logger.debug("rescan", metadata: ["reason": "\(reason)", "files": "\(seen)", "pending": "\(settle.count)"])
    }

    /// How often an inbox that is missing is looked for again (whatever `rescan_interval_s` says).
    static let missingInboxRecheckS = 5.0

    /// Walks the inboxes that were missing, when the recheck time has come.
    private func recheckMissingInboxes() {
        guard !missingInboxes.isEmpty, Date() >= nextMissingRecheck else { return }
        nextMissingRecheck = Date().addingTimeInterval(Self.missingInboxRecheckS)
        for inbox in config.inboxes where missingInboxes.contains(inbox.path) { _ = rescan(inbox, reason: "missing inbox") }
    }

    /// One inbox of `rescanAll`; returns how many files it found.
    private func rescan(_ inbox: InboxConfig, reason: String) -> Int {
        guard FileStatus.lstat(inbox.path)?.kind == .directory else {
            if missingInboxes.insert(inbox.path).inserted {
                logger.error("inbox is missing; watching resumes when it is back", metadata: ["path": "\(inbox.path)"])
                setInboxProblem(inbox.path, "the inbox is missing (not mounted, moved or deleted?): nothing leaves search; "
                    + "watching resumes when it is back")
                nextMissingRecheck = Date().addingTimeInterval(Self.missingInboxRecheckS)
            }
            return 0
        }
        if !watcher.isWatched(inbox.path) {
            do {
                try watcher.watchTree(inbox.path, recursive: inbox.recursive)
                if missingInboxes.remove(inbox.path) != nil {
                    logger.info("inbox is back", metadata: ["path": "\(inbox.path)"])
                    setInboxProblem(inbox.path, nil)
                }
            } catch {
                logger.error("cannot watch: \(error)", metadata: ["path": "\(inbox.path)"])
            }
        }
        let found = InboxScanner.files(under: inbox.path, recursive: inbox.recursive, excluding: excluded,
                                       undecodable: reason == "periodic" ? { _ in } : reportUndecodable,
                                       visited: { [heartbeat] _ in heartbeat.set(Date()) })
        for file in found where taken[file.path] != file.status.snapshot {
            settle.observe(file.path, file.status.snapshot, settleMs: inbox.settleMs, now: now())
        }
        markMissingRemoved(inbox: inbox.path, found: Set(found.map(\.path)))
        return found.count
    }

    /// Sets (or, with nil, clears) the inbox's problem for `scrawl status`.
    private func setInboxProblem(_ inbox: String, _ message: String?) { report("inbox \(inbox)", message) }

    /// Sets (or, with nil, clears) the monitor's problem `source` for `scrawl status`; the catalog is
    /// written only on a change, and the first time in this process either way (a problem may be left
    /// from the last run).
    private func report(_ source: String, _ message: String?) {
        guard !problemsSynced.contains(source) || problems[source] != message else { return }
        do {
            if let message { try catalog.setProblem(source: source, message: message, waitForLock: false) }
            else { try catalog.clearProblem(source: source, waitForLock: false) }
            problems[source] = message
            problemsSynced.insert(source)
        } catch {
            logger.error("cannot record the problem for scrawl status: \(error)", metadata: ["source": "\(source)"])
        }
    }

    /// How long a file may keep changing before `scrawl status` lists it as never settling.
    static let neverSettlesS = 600.0

    /// The folders inotify could not watch and the files that never settle, for `scrawl status`
    /// (checked at most every few seconds).
    private func reportWatchAndSettleProblems() {
        guard Date() >= nextProblemCheck else { return }
        nextProblemCheck = Date().addingTimeInterval(5)
        _ = watcher.retryUnwatched()
        let unwatched = watcher.unwatched.sorted { $0.key < $1.key }
        report("watches", unwatched.first.map { first in
            "\(unwatched.count) folder\(unwatched.count == 1 ? " is" : "s are") not watched (\(first.value)), e.g. \(first.key): "
                + "new files there are seen only by rescans (SIGHUP, rescan_interval_s)"
        })
        let unsettled = settle.unsettled(forAtLeast: Self.neverSettlesS, now: now())
        report("settle", unsettled.first.map { first in
            "\(unsettled.count) file\(unsettled.count == 1 ? " has" : "s have") kept changing for over \(Int(Self.neverSettlesS / 60)) min "
                + "and \(unsettled.count == 1 ? "is" : "are") not read until \(unsettled.count == 1 ? "it stops" : "they stop"), e.g. \(first)"
        })
    }

    /// Marks the files the catalog knows under `inbox` and the walk did not find as removed, unless
    /// the walk looks like an unmounted share (`RemovalGuard`): then nothing is removed, and the
    /// reason is logged and kept for `scrawl status` until a walk finds the files again.
    private func markMissingRemoved(inbox: String, found: Set<String>) {
        do {
            guard let device = FileStatus.lstat(inbox)?.identity.device else { return }
            let known = try catalog.knownPaths(under: inbox)
            let recorded = try catalog.inboxDevice(path: inbox)
            switch RemovalGuard.decide(inbox: inbox, recordedDevice: recorded, currentDevice: device, found: found, known: known) {
            case .skip(let reason):
                if problems["inbox \(inbox)"] == nil { logger.warning("removals skipped: \(reason)", metadata: ["path": "\(inbox)"]) }
                setInboxProblem(inbox, "removals skipped: " + reason)
            case .proceed(let recordDevice):
                if problems["inbox \(inbox)"] != nil {
                    logger.notice("the inbox holds its files again: removals resume", metadata: ["path": "\(inbox)"])
                }
                setInboxProblem(inbox, nil)
                if recorded != recordDevice { try catalog.recordInboxDevice(path: inbox, device: recordDevice) }
                for path in known where !found.contains(path) {
                    guard FileStatus.lstat(path)?.kind != .regular else { continue }
                    taken[path] = nil
                    markRemoved(path: path)
                }
            }
        } catch {
            logger.error("cannot compare the inbox with the catalog: \(error)", metadata: ["path": "\(inbox)"])
        }
    }

    private func now() -> Double { Date().timeIntervalSince1970 }
}
