/// Holds files back until their size and mtime have stayed the same for the settle time, so a
/// scanner that writes in bursts (or an SMB client that reopens) is not read half-written.
public struct SettleTracker {
    public struct Snapshot: Equatable, Sendable {
        public var size: Int64
        public var mtime: Double
        public init(size: Int64, mtime: Double) {
            self.size = size
            self.mtime = mtime
        }
    }

    private struct Pending {
        var snapshot: Snapshot
        var stableSince: Double
        var settleSeconds: Double
        /// When the file was first seen changing (kept across changes): a file that never settles shows.
        var firstSeen: Double
    }

    private var pending: [String: Pending] = [:]

    public init() {}

    public var isEmpty: Bool { pending.isEmpty }
    public var count: Int { pending.count }

    /// A file was seen (event or rescan). Its clock restarts only if it looks different.
    public mutating func observe(_ path: String, _ snapshot: Snapshot, settleMs: Int, now: Double) {
        if let existing = pending[path], existing.snapshot == snapshot { return }
        pending[path] = Pending(snapshot: snapshot, stableSince: now, settleSeconds: Double(settleMs) / 1000,
                                firstSeen: pending[path]?.firstSeen ?? now)
    }

    public mutating func forget(_ path: String) { pending[path] = nil }

    /// Forgets every pending path under a folder.
    public mutating func forget(under folder: String) {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        pending = pending.filter { !$0.key.hasPrefix(prefix) }
    }

    /// Pending files that have kept changing for at least `seconds` (sorted): still being written, or
    /// rewritten forever (a log, a sync client in a loop). They are never taken while they change.
    public func unsettled(forAtLeast seconds: Double, now: Double) -> [String] {
        pending.filter { now - $0.value.firstSeen >= seconds }.map(\.key).sorted()
    }

    /// Re-checks every pending file with `stat` (nil = gone) and returns, sorted, those that stayed
    /// the same for their settle time; they leave the tracker.
    public mutating func settled(now: Double, stat: (String) -> Snapshot?) -> [String] {
        var ready: [String] = []
        for (path, entry) in pending {
            guard let current = stat(path) else {
                pending[path] = nil
                continue
            }
            if current != entry.snapshot {
                pending[path] = Pending(snapshot: current, stableSince: now, settleSeconds: entry.settleSeconds,
                                        firstSeen: entry.firstSeen)
            } else if now - entry.stableSince >= entry.settleSeconds {
                ready.append(path)
                pending[path] = nil
            }
        }
        return ready.sorted()
    }
}
