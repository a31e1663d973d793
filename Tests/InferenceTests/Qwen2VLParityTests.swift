import Foundation
import Imaging
import XCTest
@testable import Inference

/// Parity with transformers 4.57.6 on the tiny real-architecture checkpoints (Tests/Fixtures/qwen2vl).
final class Qwen2VLParityTests: XCTestCase {
    nonisolated(unsafe) private static var engines: [String: Qwen2VLEngine] = [:]

    private func engine(_ checkpoint: URL, arithmetic: Arithmetic) throws -> Qwen2VLEngine {
        let key = checkpoint.path + "\(arithmetic)"
        if let e = Self.engines[key] { return e }
        let e = try Qwen2VLEngine(checkpoint: checkpoint, arithmetic: arithmetic)
        Self.engines[key] = e
        return e
    }

    private func goldens() throws -> [Qwen2VLFixtures.Golden] {
        guard Qwen2VLFixtures.available else {
            XCTFail("fixtures missing at \(Qwen2VLFixtures.root.path)")
            return []
        }
        return try Qwen2VLFixtures.caseNames().map(Qwen2VLFixtures.golden)
    }

    private func image(_ g: Qwen2VLFixtures.Golden) throws -> RGBImage {
        try ImageDecoder.decode(fileAt: g.image.path).image
    }

    func testPixelValuesGridAndPromptIDsMatchEveryCase() throws {
        for g in try goldens() {
            let e = try engine(g.checkpoint, arithmetic: .float32)
            let request = OCRRequest(prompt: g.prompt, maxPixels: g.maxPixels)
            let prepared = try e.prepare(try image(g), request: request)
            XCTAssertEqual([prepared.gridT, prepared.gridH, prepared.gridW], g.grid, g.name)
            XCTAssertEqual(prepared.pixels.count, g.pixelShape.reduce(1, *), g.name)
            XCTAssertEqual(prepared.pixels.count, g.pixels.count, g.name)
            let diff = zip(prepared.pixels, g.pixels).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(diff, 1e-5, "\(g.name): pixel values differ by \(diff)")
            XCTAssertEqual(prepared.tokens, g.promptIDs, "\(g.name): prompt ids")
            XCTAssertEqual(prepared.positions.ropeDelta, g.ropeDelta, "\(g.name): rope_delta")
        }
    }

    /// First-step logits, per-step top-5, chosen log-probs and 32 greedy ids (EOS masked as the golden's
    /// min_new_tokens does). bf16 checkpoints run with f32 arithmetic here, like the reference.
    func testGreedyGenerationMatchesReference() throws {
        for g in try goldens() {
            try checkGeneration(g, arithmetic: .float32, logitTolerance: 1e-3, strictIDs: true)
        }
    }

    /// bf16 checkpoints with native bf16 products: looser by design (activations rounded to bf16);
    /// reports the first-step logit error relative to max |logit|.
    func testBF16NativeArithmeticStaysClose() throws {
        for g in try goldens() where g.weightsDType == "bfloat16" {
            try checkGeneration(g, arithmetic: .native, logitTolerance: 3e-2, strictIDs: false)
        }
    }

    private func checkGeneration(_ g: Qwen2VLFixtures.Golden, arithmetic: Arithmetic, logitTolerance: Float,
                                 strictIDs: Bool) throws {
        let e = try engine(g.checkpoint, arithmetic: arithmetic)
        let request = OCRRequest(prompt: g.prompt, maxNewTokens: g.generatedIDs.count, maxPixels: g.maxPixels,
                                 greedy: true, ignoreEOS: true)
        var stepLogits: [[Float]] = []
        let result = try e.run(try image(g), request: request, onEvent: { _ in }, onLogits: { stepLogits.append($0) })
        XCTAssertEqual(result.promptTokens, g.promptIDs.count, g.name)

        let first = try XCTUnwrap(stepLogits.first)
        XCTAssertEqual(first.count, g.logits.count, g.name)
        let maxLogit = g.logits.map(abs).max() ?? 1
        let diff = zip(first, g.logits).map { abs($0 - $1) }.max() ?? .infinity
        print("[parity] \(g.name) \(arithmetic): first-step max|diff| \(diff) = \(diff / maxLogit) × max|logit| \(maxLogit)")
        XCTAssertLessThanOrEqual(diff, logitTolerance * maxLogit, "\(g.name) \(arithmetic): first-step logits")

        let same = zip(result.tokens, g.generatedIDs).prefix { $0 == $1 }.count
        print("[parity] \(g.name) \(arithmetic): \(same)/\(g.generatedIDs.count) greedy ids identical before the first difference")
        guard strictIDs else { return }
        XCTAssertEqual(result.tokens, g.generatedIDs, "\(g.name): greedy ids")
        XCTAssertEqual(result.finishReason, .maxTokens, g.name)
        for (i, (logits, step)) in zip(stepLogits, g.steps).enumerated() {
            let top = Self.topIndices(logits, 5)
            for (rank, (got, want)) in zip(top, step.top5IDs).enumerated() where got != want {
                // A swap is allowed only where the reference's own neighbours are within 1e-4.
                let gaps = [rank > 0 ? step.top5Logprobs[rank - 1] - step.top5Logprobs[rank] : .infinity,
                            rank < 4 ? step.top5Logprobs[rank] - step.top5Logprobs[rank + 1] : .infinity]
                XCTAssertLessThan(gaps.min() ?? .infinity, 1e-4, "\(g.name) step \(i) rank \(rank): \(got) vs \(want)")
            }
            XCTAssertEqual(result.logprobs[i], step.chosenLogprob, accuracy: 1e-3, "\(g.name) step \(i) chosen logprob")
        }
    }

    /// Indices of the k largest values, largest first (one pass; ties keep the lower index first).
    static func topIndices(_ x: [Float], _ k: Int) -> [Int] {
        var best: [Int] = []
        x.withUnsafeBufferPointer { p in
            for i in 0..<p.count {
                if best.count == k, let last = best.last, p[i] <= p[last] { continue }
                var pos = best.count
                while pos > 0 && p[best[pos - 1]] < p[i] { pos -= 1 }
                best.insert(i, at: pos)
                if best.count > k { best.removeLast() }
            }
        }
        return best
    }
}
