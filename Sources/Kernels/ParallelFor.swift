import Foundation

/// A small parallel-for over the machine's cores (2 on the target machine).
public enum Parallel {
    /// Worker count used by the kernels; SCRAWL_THREADS overrides the core count.
    public static let threadCount: Int = {
        if let value = ProcessInfo.processInfo.environment["SCRAWL_THREADS"], let n = Int(value), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body(i)` for i in 0..<count, spread over `threadCount` threads; returns when all are done.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        // Callers give each iteration disjoint memory. (One item, or one thread: run inline.)
        KernelThreads.shared.run(count, body)
    }

    /// Splits 0..<total into `threadCount × piecesPerThread` contiguous chunks (aligned to `granule`) and
    /// runs them in parallel, each thread taking the next chunk when it is done with one. More than one
    /// piece a thread evens out short memory-bound loops (decode GEMV), where one core often runs behind.
    public static func chunks(_ total: Int, granule: Int = 1, piecesPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = ranges(total, parts: threadCount * piecesPerThread, granule: granule)
        forEach(parts.count) { body(parts[$0]) }
    }

    /// 0..<total cut into at most `parts` non-empty ranges whose bounds are multiples of `granule`.
    public static func ranges(_ total: Int, parts: Int, granule: Int = 1) -> [Range<Int>] {
        if total <= 0 { return [] }
        let units = (total + granule - 1) / granule
        let n = max(1, min(parts, units))
        var result: [Range<Int>] = []
        var start = 0
        for i in 0..<n {
            let endUnits = units * (i + 1) / n
            let end = min(total, endUnits * granule)
            if end > start { result.append(start..<end) }
            start = end
        }
        return result
    }
}

/// Carries a value across a concurrency boundary the caller has proven safe.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
