import CKernels
import Foundation

/// The machine's streaming-read bandwidth, measured (decode reads every weight once per token, so this
/// bounds decode speed).
public enum MemoryBandwidth {
    /// Bytes per second of a streaming read of `bytes` (well beyond the last-level cache) over all kernel
    /// threads; the best of `passes` passes after one untimed pass.
    public static func measure(bytes: Int = 1 << 30, passes: Int = 3, isa: KernelISA = .active) -> Double {
        let count = bytes / 4
        let buffer = FloatBuffer(count: count)
        buffer.fill(1)  // touch every page before timing
        let parts = Parallel.ranges(count, parts: Parallel.threadCount, granule: 1024)
        let sink = FloatBuffer(count: parts.count)
        var best = Double.infinity
        for pass in 0...passes {
            let start = ContinuousClock.now
            Parallel.forEach(parts.count) { i in
                sink[i] = ck_stream_read(isa.code, buffer.pointer + parts[i].lowerBound, parts[i].count)
            }
            let d = ContinuousClock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            if pass > 0 { best = min(best, seconds) }
        }
        return Double(count * 4) / best
    }
}
