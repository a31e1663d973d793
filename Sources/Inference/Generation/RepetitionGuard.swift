/// Detects a degenerate loop at the tail of the generated ids: the same n-gram (n ≤ `maxPeriod`)
/// repeated back to back at least `minRepeats` times AND covering at least `minSpan` tokens.
/// Conservative on purpose: real text repeats short patterns (rules, table borders, lists), so a
/// loop must be long (default ≥ 8 repeats and ≥ 128 tokens) before generation is cut with
/// finish reason `loop`.
public struct RepetitionGuard: Sendable {
    public var maxPeriod: Int
    public var minRepeats: Int
    public var minSpan: Int

    public init(maxPeriod: Int = 64, minRepeats: Int = 8, minSpan: Int = 128) {
        self.maxPeriod = maxPeriod
        self.minRepeats = minRepeats
        self.minSpan = minSpan
    }

    /// The loop's period if `tokens` ends in one, else nil.
    public func loopPeriod(_ tokens: [Int]) -> Int? {
        let n = tokens.count
        guard n >= minSpan else { return nil }
        for period in 1...max(1, min(maxPeriod, n / minRepeats)) {
            let span = max(minSpan, period * minRepeats)
            guard span <= n else { continue }
            var repeating = true
            var i = n - 1
            while i >= n - span + period {
                if tokens[i] != tokens[i - period] { repeating = false; break }
                i -= 1
            }
            if repeating { return period }
        }
        return nil
    }
}
