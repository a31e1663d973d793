import Foundation

/// Picks the next token from raw logits with HF's processor order: repetition penalty →
/// temperature → top-k → top-p → sample (or arg-max when not sampling; first index wins ties).
public struct TokenSampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: RandomGenerator

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        rng = RandomGenerator(seed: parameters.seed)
    }

    /// `seen`: ids of the whole sequence so far (prompt included), for the repetition penalty.
    public mutating func pick(_ logits: [Float], seen: Set<Int>) -> Int {
        var scores = logits
        let p = parameters
        if p.repetitionPenalty != 1 {
            for id in seen where id >= 0 && id < scores.count {
                scores[id] = scores[id] < 0 ? scores[id] * p.repetitionPenalty : scores[id] / p.repetitionPenalty
            }
        }
        if !p.doSample { return Self.argmax(scores) }
        if p.temperature != 1 { for i in scores.indices { scores[i] /= p.temperature } }
        // Candidates that survive top-k (all finite scores without it), as indices.
        var candidates: [Int]
        if p.topK > 0 && p.topK < scores.count {
            let kth = Self.kthLargest(scores, p.topK)
            candidates = scores.indices.filter { scores[$0] >= kth }
        } else {
            candidates = scores.indices.filter { scores[$0] > -.infinity }
        }
        if candidates.isEmpty { return Self.argmax(scores) }
        if p.topP < 1 && candidates.count > 1 {
            // Drop the low tail whose cumulative probability (ascending) is ≤ 1 − top_p; keep ≥ 1 token.
            candidates.sort { scores[$0] < scores[$1] }
            let probs = Self.softmax(candidates.map { scores[$0] })
            var cumulative: Double = 0
            var drop = 0
            while drop < candidates.count - 1 {
                cumulative += probs[drop]
                if cumulative > Double(1 - p.topP) { break }
                drop += 1
            }
            candidates.removeFirst(drop)
        }
        let probs = Self.softmax(candidates.map { scores[$0] })
        var r = rng.unit()
        for (i, q) in zip(candidates, probs) {
            r -= q
            if r < 0 && q > 0 { return i }
        }
        return candidates.max { scores[$0] < scores[$1] } ?? Self.argmax(scores)
    }

    /// The k-th largest value (k ≥ 1): a bounded min-heap for small k, a sort otherwise.
    static func kthLargest(_ x: [Float], _ k: Int) -> Float {
        if k == 1 { return x.max() ?? -.infinity }
        if k > 256 { return x.sorted(by: >)[k - 1] }
        var heap: [Float] = []
        heap.reserveCapacity(k)
        for v in x {
            if heap.count < k {
                heap.append(v)
                var i = heap.count - 1
                while i > 0 && heap[(i - 1) / 2] > heap[i] { heap.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
            } else if v > heap[0] {
                heap[0] = v
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < k && heap[l] < heap[m] { m = l }
                    if r < k && heap[r] < heap[m] { m = r }
                    if m == i { break }
                    heap.swapAt(i, m)
                    i = m
                }
            }
        }
        return heap[0]
    }

    public static func argmax(_ x: [Float]) -> Int {
        var best = 0
        for i in x.indices where x[i] > x[best] { best = i }
        return best
    }

    static func softmax(_ x: [Float]) -> [Double] {
        let m = x.max() ?? 0
        guard m > -.infinity else { return x.map { _ in 1 / Double(x.count) } }
        let e = x.map { Foundation.exp(Double($0 - m)) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }
}
