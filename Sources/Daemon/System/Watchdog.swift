import Dispatch
import Foundation

/// Sends WATCHDOG=1 every quarter of `WatchdogSec` from its own timer, so a long model run on the worker
/// does not starve it, but only while the inbox monitor's loop keeps turning: a hung watcher stops
/// the pings and systemd restarts the service.
public final class Watchdog: @unchecked Sendable {
    private let timer: DispatchSourceTimer

    /// `interval` is `$WATCHDOG_USEC` in seconds; `isAlive` says whether the process is healthy.
    public init(interval: Double, notifier: SystemdNotifier, isAlive: @escaping @Sendable () -> Bool) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "scrawl.watchdog"))
        // A quarter: one late or dropped ping (a busy receiver, a loaded machine) still leaves margin.
        let period = max(interval / 4, 0.05)
        timer.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(50))
        timer.setEventHandler {
            if isAlive() { notifier.watchdog() }
        }
    }

    public func start() { timer.resume() }

    public func stop() { timer.cancel() }
}
