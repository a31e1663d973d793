import Foundation

/// Lets another thread stop a read in progress: the engine checks it after every vision layer and
/// every generated token, and throws `OCRError.cancelled` (the request's reason) when it is set or
/// its deadline has passed. Shared by reference, so one flag can stop every read of a shutdown.
public final class CancellationFlag: @unchecked Sendable, Equatable {
    private let lock = NSLock()
    private var reason: String?
    /// Past this instant the read is cancelled with "deadline passed".
    public let deadline: ContinuousClock.Instant?

    public init(deadline: ContinuousClock.Instant? = nil) {
        self.deadline = deadline
    }

    /// Asks the read to stop at its next check. The first reason given wins.
    public func cancel(reason: String = "cancelled") {
        lock.lock()
        if self.reason == nil { self.reason = reason }
        lock.unlock()
    }

    /// Why the read must stop, nil while it may go on.
    public var cancellationReason: String? {
        lock.lock()
        let given = reason
        lock.unlock()
        if let given { return given }
        if let deadline, ContinuousClock.now >= deadline { return "deadline passed" }
        return nil
    }

    /// Throws `OCRError.cancelled` once cancelled.
    public func check() throws {
        if let reason = cancellationReason { throw OCRError.cancelled(reason: reason) }
    }

    public static func == (a: CancellationFlag, b: CancellationFlag) -> Bool { a === b }
}
