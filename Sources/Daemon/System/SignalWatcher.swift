import Dispatch
import Glibc

/// SIGTERM/SIGINT → stop, SIGHUP → rescan, delivered on a dispatch queue (never inside a signal handler).
public final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "scrawl.signals")

    public init(onStop: @escaping @Sendable (Int32) -> Void, onRescan: @escaping @Sendable () -> Void) {
        signal(SIGPIPE, SIG_IGN)
        let rescan: @Sendable (Int32) -> Void = { _ in onRescan() }
        let actions: [(Int32, @Sendable (Int32) -> Void)] = [(SIGTERM, onStop), (SIGINT, onStop), (SIGHUP, rescan)]
        for (number, action) in actions {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { action(number) }
            source.resume()
            sources.append(source)
        }
    }

    public func cancel() {
        for source in sources { source.cancel() }
    }
}
