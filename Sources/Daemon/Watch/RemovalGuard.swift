/// Whether a walk of an inbox may mark the files it did not find as removed. A network share that is
/// not mounted shows its empty mount point (another device) in its place, and a walk of that finds
/// nothing: taking it for "every file deleted" would drop them from search, and read and rewrite
/// every sidecar when the share is back. So removals are skipped when the inbox is on another device
/// than at the last good walk and none of the files the catalog knows is there, or when the walk
/// finds no file at all where the catalog knows some. They resume at the first walk that finds a
/// file (a remount on a new device number that shows the known files is accepted).
public struct RemovalGuard: Equatable, Sendable {
    public enum Decision: Equatable, Sendable {
        /// Mark the missing files removed; record `device` as the inbox's device.
        case proceed(recordDevice: Int64)
        /// Remove nothing; `reason` says why (logged, and shown by `scrawl status`).
        case skip(reason: String)
    }

    public static func decide(inbox: String, recordedDevice: Int64?, currentDevice: Int64,
                              found: Set<String>, known: [String]) -> Decision {
        let missing = known.filter { !found.contains($0) }
        guard !missing.isEmpty else { return .proceed(recordDevice: currentDevice) }
        let anyKnownThere = missing.count < known.count
        if let recordedDevice, recordedDevice != currentDevice, !anyKnownThere {
            return .skip(reason: """
                the inbox is on another device (st_dev \(currentDevice), was \(recordedDevice)) and none of the \
                \(known.count) files the catalog knows is there: not mounted? Nothing leaves search until they are back
                """)
        }
        if found.isEmpty {
            return .skip(reason: """
                a walk of the inbox found no files where the catalog knows \(known.count): not mounted, or replaced? \
                Nothing leaves search until a walk finds files there again
                """)
        }
        return .proceed(recordDevice: currentDevice)
    }
}
