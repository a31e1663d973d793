import Foundation
import Inference

/// The time budgets of one page's read, so nothing hangs unseen. Each phase (decoding the page,
/// the vision tower, prefill, generating) must show progress — a vision layer done, prefill done, a
/// token — within `stallLimitS`, and the whole page must be read within `pageLimitS`. The engine
/// checks the request's cancellation flag after every vision layer and every token; the budget sets
/// it when a limit is passed, and the read ends with `OCRError.cancelled` naming the phase. Another
/// thread (the job runner's stall reporter) reads `stall` to say in STATUS and `scrawl status` that
/// a read has made no progress for a while, even when it is stuck where no check runs.
final class ReadBudget: @unchecked Sendable {
    enum Phase: String, Sendable {
        case decoding = "decoding the page"
        case vision = "the vision tower"
        case prefill = "prefill"
        case generating = "generating"
    }

    let stallLimitS: Double
    let pageLimitS: Double
    let flag: CancellationFlag
    private let lock = NSLock()
    private var phase = Phase.decoding
    private var lastProgress = Date()

    init(stallLimitS: Double, pageLimitS: Double) {
        self.stallLimitS = stallLimitS
        self.pageLimitS = pageLimitS
        flag = CancellationFlag(deadline: .now + .milliseconds(Int64(pageLimitS * 1000)))
    }

    /// The engine reported progress: the gap since the last report is checked against the stall limit.
    func note(_ event: OCREvent) {
        switch event {
        case .preprocessed: mark(.vision)
        case .visionLayer(let done, let of): mark(done == of ? .prefill : .vision)
        case .prefillDone, .token: mark(.generating)
        }
    }

    /// The phase the read is in and how long it has gone without progress.
    var stall: (phase: Phase, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        return (phase, Date().timeIntervalSince(lastProgress))
    }

    /// Stops the read at its next check: the daemon is stopping.
    func stopForShutdown() { flag.cancel(reason: Self.shutdownReason) }

    static let shutdownReason = "the daemon is stopping"

    /// Why a cancelled read was cancelled, as a sentence for the error sidecar.
    func explain(_ reason: String) -> String {
        if reason == "deadline passed" {
            return "gave up: the page was not read within page_timeout_s = \(Int(pageLimitS)) s"
        }
        return reason
    }

    private func mark(_ next: Phase) {
        lock.lock()
        let gap = Date().timeIntervalSince(lastProgress)
        let previous = phase
        phase = next
        lastProgress = Date()
        lock.unlock()
        if gap > stallLimitS {
            flag.cancel(reason: "gave up: no progress for \(Int(gap)) s in \(previous.rawValue) (stall_timeout_s = \(Int(stallLimitS)))")
        }
    }
}
