import CKernels
import Foundation

/// The machine's streaming-read bandwidth, measured (decode reads every weight once per token, so this
/// bounds decode speed).
public enum MemoryBandwidth {
    /// Pieces per kernel thread, taken in turn as the decode GEMV's rows are (`MatMul.gemvPieces`), so a
    /// core that runs behind for a moment (a VM's neighbour) does not make the pass look slow.
    static let piecesPerThread = 8

    /// Bytes per second of a streaming read of `bytes` (well beyond the last-level cache) over all kernel
    /// threads; the best of `passes` passes of each access pattern (`ck_stream_read`), taken in turn,
    /// after one untimed pass.
    public static func measure(bytes: Int = 1 << 30, passes: Int = 5, isa: KernelISA = .active) -> Double {
        let count = bytes / 4
        let buffer = FloatBuffer(count: count)
        buffer.fill(1)  // touch every page before timing
        let parts = Parallel.ranges(count, parts: Parallel.threadCount * piecesPerThread, granule: 4096)
        let sink = FloatBuffer(count: parts.count)
        var best = Double.infinity
        for pass in 0...(2 * passes) {
            let pattern = Int32(pass % 2)
            let start = ContinuousClock.now
            Parallel.forEach(parts.count) { i in
                sink[i] = ck_stream_read(isa.code, pattern, buffer.pointer + parts[i].lowerBound, parts[i].count)
            }
            let d = ContinuousClock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            if pass > 0 { best = min(best, seconds) }
        }
        return Double(count * 4) / best
    }
}
