import XCTest
@testable import Inference

final class GenerationTests: XCTestCase {
    private func params(doSample: Bool = true, temperature: Float = 1, topK: Int = 0, topP: Float = 1,
                        penalty: Float = 1, seed: UInt64 = 1) -> SamplingParameters {
        SamplingParameters(doSample: doSample, temperature: temperature, topK: topK, topP: topP,
                           repetitionPenalty: penalty, seed: seed)
    }

    func testGreedyTakesFirstMaximum() {
        var s = TokenSampler(params(doSample: false))
        XCTAssertEqual(s.pick([1, 3, 3, 2], seen: []), 1)
    }

    func testTopKOneIsGreedyEvenWhenSampling() {
        var s = TokenSampler(params(temperature: 0.01, topK: 1, topP: 0.001))
        for _ in 0..<20 { XCTAssertEqual(s.pick([0.1, 2, 1.9, -1], seen: []), 1) }
    }

    func testRepetitionPenaltyFollowsHF() {
        // 2.0 / 2 = 1.0 < 1.5 and -1 * 2 = -2: id 1 wins after the penalty on ids 0 and 2.
        var s = TokenSampler(params(doSample: false, penalty: 2))
        XCTAssertEqual(s.pick([2.0, 1.5, -1], seen: [0, 2]), 1)
    }

    func testTopPKeepsSmallestNucleus() {
        // probabilities ≈ [0.64, 0.24, 0.09, 0.03]: top_p 0.7 keeps ids 0 and 1 only.
        var s = TokenSampler(params(topP: 0.7, seed: 42))
        let logits: [Float] = [2, 1, 0, -1.1]
        var seen = Set<Int>()
        for _ in 0..<300 { seen.insert(s.pick(logits, seen: [])) }
        XCTAssertEqual(seen, [0, 1])
    }

    func testSamplingIsReproducibleForASeed() {
        let logits: [Float] = (0..<50).map { Float($0 % 7) / 3 }
        var a = TokenSampler(params(seed: 9)), b = TokenSampler(params(seed: 9)), c = TokenSampler(params(seed: 10))
        let ra = (0..<40).map { _ in a.pick(logits, seen: []) }
        let rb = (0..<40).map { _ in b.pick(logits, seen: []) }
        let rc = (0..<40).map { _ in c.pick(logits, seen: []) }
        XCTAssertEqual(ra, rb)
        XCTAssertNotEqual(ra, rc)
    }

    func testOverridesTurnSamplingOnAndGreedyWins() {
        let g = GenerationConfig(eosTokenIDs: [1], doSample: false, temperature: 1, topK: 50, topP: 1)
        let sampled = SamplingParameters(generation: g, request: OCRRequest(sampling: .init(temperature: 0.7)))
        XCTAssertTrue(sampled.doSample)
        XCTAssertEqual(sampled.temperature, 0.7)
        let greedy = SamplingParameters(generation: g, request: OCRRequest(greedy: true, sampling: .init(temperature: 0.7)))
        XCTAssertFalse(greedy.doSample)
    }

    func testKthLargestMatchesSort() {
        let x: [Float] = (0..<500).map { Float(($0 * 7919) % 1013) / 10 }
        for k in [1, 2, 5, 50, 300] {
            XCTAssertEqual(TokenSampler.kthLargest(x, k), x.sorted(by: >)[k - 1], "k \(k)")
        }
    }

    func testTopKLimitsTheChoice() {
        var s = TokenSampler(params(topK: 2, seed: 3))
        var seen = Set<Int>()
        for _ in 0..<200 { seen.insert(s.pick([0, 3, 1, 2.9, -5], seen: [])) }
        XCTAssertEqual(seen, [1, 3])
    }

    func testRepetitionGuardIsConservative() {
        let rule = RepetitionGuard()
        XCTAssertNil(rule.loopPeriod([Int](repeating: 5, count: 127)))
        XCTAssertEqual(rule.loopPeriod([1, 2, 3] + [Int](repeating: 5, count: 128)), 1)
        let cycle = [10, 11, 12, 13, 14]
        let looped = [1, 2] + (0..<30).flatMap { _ in cycle }
        XCTAssertEqual(rule.loopPeriod(looped), 5)
        // Varied text with short local repeats is never cut.
        let text = (0..<400).map { ($0 * 7919) % 1000 }
        XCTAssertNil(rule.loopPeriod(text))
        // A 40-token pattern repeated 4 times (160 tokens) is not yet a loop (needs 8 repeats).
        let long = (0..<4).flatMap { _ in Array(100..<140) }
        XCTAssertNil(rule.loopPeriod(long))
    }
}
