/// The `[daemon]` table: settings of the service itself.
public struct DaemonSettings: Sendable, Equatable {
    /// trace, debug, info, notice, warning, error or critical.
    public var logLevel: String
    /// Full rescan of every inbox this often (inotify sees nothing on network mounts); 0 = never.
    public var rescanIntervalS: Int
    /// Unload the resident model after this long without work (one model is resident at a time, so
    /// this is a daemon-wide setting, not a per-inbox one).
    public var idleUnloadS: Int
    /// On SIGTERM, wait this long for the scan being read to finish; past it the job is abandoned
    /// (it stays queued and is read again at the next start). Keep it below the unit's TimeoutStopSec.
    public var stopGraceS: Int
    /// A read that shows no progress (a vision layer, prefill, a token) for this long is reported in
    /// STATUS and `scrawl status`, and given up (the scan fails with the phase it was stuck in).
    public var stallTimeoutS: Int
    /// One page may take at most this long to read; past it the scan fails (a runaway read).
    public var pageTimeoutS: Int

    public init(logLevel: String = "info", rescanIntervalS: Int = 300, idleUnloadS: Int = 300, stopGraceS: Int = 10,
                stallTimeoutS: Int = 600, pageTimeoutS: Int = 3600) {
        self.logLevel = logLevel
        self.rescanIntervalS = rescanIntervalS
        self.idleUnloadS = idleUnloadS
        self.stopGraceS = stopGraceS
        self.stallTimeoutS = stallTimeoutS
        self.pageTimeoutS = pageTimeoutS
    }

    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}
