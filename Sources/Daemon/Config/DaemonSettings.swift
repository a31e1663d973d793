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

    public init(logLevel: String = "info", rescanIntervalS: Int = 300, idleUnloadS: Int = 300, stopGraceS: Int = 10) {
        self.logLevel = logLevel
        self.rescanIntervalS = rescanIntervalS
        self.idleUnloadS = idleUnloadS
        self.stopGraceS = stopGraceS
    }

    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}
