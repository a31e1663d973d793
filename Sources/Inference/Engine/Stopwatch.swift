import Foundation

/// Milliseconds between laps, on the monotonic clock.
struct Stopwatch {
    private let start = DispatchTime.now().uptimeNanoseconds
    private var last = DispatchTime.now().uptimeNanoseconds

    /// Milliseconds since the previous lap (or the start).
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e6
    }

    var total: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
}
