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
        if p.topK > 0 && p.topK < scores.count {
            let kth = scores.sorted(by: >)[p.topK - 1]
            for i in scores.indices where scores[i] < kth { scores[i] = -.infinity }
        }
        if p.topP < 1 {
            // Drop the low tail whose cumulative probability (ascending) is ≤ 1 − top_p; keep ≥ 1 token.
            let order = scores.indices.sorted { scores[$0] < scores[$1] }
            let probs = Self.softmax(order.map { scores[$0] })
            var cumulative: Double = 0
            for (rank, index) in order.enumerated() where rank < order.count - 1 {
                cumulative += probs[rank]
                if cumulative <= Double(1 - p.topP) { scores[index] = -.infinity } else { break }
            }
        }
        let probs = Self.softmax(scores)
        var r = rng.unit()
        for (i, q) in probs.enumerated() {
            r -= q
            if r < 0 && q > 0 { return i }
        }
        return Self.argmax(scores)
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
