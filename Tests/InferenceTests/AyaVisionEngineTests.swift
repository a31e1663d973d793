import Foundation
import XCTest
import Imaging
@testable import Inference

/// Phase 3 parity: first-step logits, per-step top-5 and 32 greedy ids against the reference
/// (AyaVisionForConditionalGeneration, transformers 4.57.6, f32 compute) on the tiny checkpoints.
final class AyaVisionEngineTests: XCTestCase {
    nonisolated(unsafe) private static var engines: [String: AyaVisionEngine] = [:]

    private func engine(_ name: String, arithmetic: Arithmetic = .native) throws -> AyaVisionEngine {
        let key = "\(name) \(arithmetic)"
        if let cached = Self.engines[key] { return cached }
        let engine = try AyaVisionEngine(checkpoint: AyaVisionFixtures.url(name), arithmetic: arithmetic)
        Self.engines[key] = engine
        return engine
    }

    private struct Run {
        var result: OCRResult
        var stepLogits: [[Float]]
    }

    private func run(_ golden: [String: Any], arithmetic: Arithmetic) throws -> Run {
        let engine = try engine(try XCTUnwrap(golden["checkpoint"] as? String), arithmetic: arithmetic)
        let image = try AyaVisionFixtures.image(try XCTUnwrap(golden["image"] as? String))
        let request = OCRRequest(prompt: try XCTUnwrap(golden["prompt"] as? String),
                                 maxNewTokens: try XCTUnwrap(golden["new_tokens"] as? Int), greedy: true, ignoreEOS: true)
        var steps: [[Float]] = []
        let result = try engine.run(image, request: request, onEvent: { _ in }, onLogits: { steps.append($0) })
        return Run(result: result, stepLogits: steps)
    }

    /// f32 arithmetic (the reference computed in f32 from the same weights): the contract's bound. Native
    /// arithmetic on bf16 weights rounds activations to bf16 for the products, so its bound is looser.
    private func tolerance(_ arithmetic: Arithmetic) -> Float {
        arithmetic == .float32 ? 1e-3 : 2e-2
    }

    func testFirstStepLogitsMatchReference() throws {
        for name in try AyaVisionFixtures.caseNames() {
            let golden = try AyaVisionFixtures.json("golden/\(name).json")
            let expected = try AyaVisionFixtures.floats("golden/" + (try XCTUnwrap(golden["logits_file"] as? String)))
            for arithmetic in [Arithmetic.float32, .native] {
            let run = try run(golden, arithmetic: arithmetic)
            let first = try XCTUnwrap(run.stepLogits.first, name)
            XCTAssertEqual(first.count, expected.count, name)
            XCTAssertEqual(run.result.promptTokens, AyaVisionFixtures.ints(golden["prompt_ids"]).count, name)
            let maxAbs = expected.map { abs($0) }.max() ?? 0
            var worst: Float = 0
            for (a, b) in zip(first, expected) { worst = max(worst, abs(a - b)) }
            print("aya \(name) \(arithmetic): first-step max|diff| = \(worst), max|logit| = \(maxAbs), ratio = \(worst / maxAbs)")
            XCTAssertLessThanOrEqual(worst, tolerance(arithmetic) * maxAbs, "\(name) \(arithmetic): first-step logits")
            }
        }
    }

    func testGreedyIdsTopFiveAndLogprobsMatchReference() throws {
        for name in try AyaVisionFixtures.caseNames() {
            let golden = try AyaVisionFixtures.json("golden/\(name).json")
            let run = try run(golden, arithmetic: .float32)
            let expectedIDs = AyaVisionFixtures.ints(golden["generated_ids"])
            XCTAssertEqual(expectedIDs.count, 32, name)
            XCTAssertEqual(run.result.tokens, expectedIDs, "\(name): greedy ids")
            let top5 = try XCTUnwrap(golden["top5_ids"] as? [[NSNumber]]).map { $0.map(\.intValue) }
            let top5LP = try XCTUnwrap(golden["top5_logprobs"] as? [[NSNumber]]).map { $0.map(\.floatValue) }
            let chosen = try XCTUnwrap(golden["chosen_logprobs"] as? [NSNumber]).map(\.floatValue)
            XCTAssertEqual(run.stepLogits.count, top5.count, name)
            var worstLP: Float = 0, worstTop5: Float = 0, reordered = 0
            for (step, logits) in run.stepLogits.enumerated() where step < top5.count {
                let mine = Array(logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5))
                let lse = -Self.logSumExp(logits)
                for rank in 0..<5 {
                    worstTop5 = max(worstTop5, abs((logits[top5[step][rank]] + lse) - top5LP[step][rank]))
                    guard mine[rank] != top5[step][rank] else { continue }
                    reordered += 1
                    // A swap is allowed only where the reference's own two log-probs are within 1e-4.
                    let other = top5[step].firstIndex(of: mine[rank]).map { top5LP[step][$0] } ?? -.infinity
                    XCTAssertLessThan(abs(other - top5LP[step][rank]), 1e-4, "\(name) step \(step) rank \(rank): top-5 ids")
                }
                worstLP = max(worstLP, abs(run.result.logprobs[step] - chosen[step]))
            }
            print("aya \(name): chosen logprob max|diff| = \(worstLP), top-5 logprob max|diff| = \(worstTop5), "
                  + "top-5 positions reordered = \(reordered)")
            // f32 arithmetic, like the reference: its results up to rounding, for f32 and bf16 weights alike.
            let bound: Float = 1e-4
            XCTAssertLessThanOrEqual(worstLP, bound, "\(name): chosen logprobs")
            XCTAssertLessThanOrEqual(worstTop5, bound, "\(name): log-probs of the reference's top-5 ids")
        }
    }

    private static func logSumExp(_ x: [Float]) -> Float {
        let m = x.max() ?? 0
        return m + Float(log(x.reduce(0.0) { $0 + exp(Double($1 - m)) }))
    }

    func testCheckpointLayoutsAndConfigFallbacks() throws {
        let f32 = try engine("tiny-f32"), bf16 = try engine("tiny-bf16")
        // tiny-f32 lists layer_types; tiny-bf16 only has sliding_window_pattern = 4: same layout.
        XCTAssertEqual(f32.model.config.text.slidingLayers, [true, true, true, false])
        XCTAssertEqual(bf16.model.config.text.slidingLayers, f32.model.config.text.slidingLayers)
        XCTAssertEqual(f32.model.config.tokensPerTile, 9)
        XCTAssertEqual(f32.model.config.visionLayersUsed, 2)
        XCTAssertNotEqual(f32.model.config.text.logitScale, 1)
        XCTAssertEqual(f32.modelName, "aya-vision")
        XCTAssertEqual(f32.configHash.count, 64)
    }

    func testMaxPixelsLimitsTiles() throws {
        let engine = try engine("tiny-f32")
        let image = try AyaVisionFixtures.image("images/portrait-3x4.png")
        let full = try engine.model.processor(maxPixels: nil).pixels(image)
        XCTAssertEqual(full.tileCount, 13)
        let limited = try engine.model.processor(maxPixels: 84 * 84 * 2).pixels(image)
        XCTAssertEqual(limited.grid.columns * limited.grid.rows, 2)
        XCTAssertEqual(limited.tileCount, 3)
    }

    func testPromptsThatBreakTheImageLayoutAreRefusedAndTheEngineStaysUsable() throws {
        let engine = try engine("tiny-f32")
        let image = try AyaVisionFixtures.image("images/one-tile.png")
        for prompt in ["compare <image> with this", "see <|IMG_PATCH|> here"] {
            XCTAssertThrowsError(try engine.read(image, request: OCRRequest(prompt: prompt, maxNewTokens: 2), onEvent: { _ in })) {
                error in
                guard case OCRError.promptMismatch = error else { return XCTFail("\(prompt): \(error)") }
            }
        }
        let result = try engine.read(image, request: OCRRequest(maxNewTokens: 3, greedy: true, ignoreEOS: true), onEvent: { _ in })
        XCTAssertEqual(result.tokens.count, 3)
        XCTAssertEqual(result.processedWidth, 84)
    }

    func testLoaderErrorsNameTheProblem() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("aya-broken-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        XCTAssertThrowsError(try AyaVisionEngine(checkpoint: dir)) { error in
            XCTAssertTrue("\(error)".contains("config.json"), "\(error)")
        }
        // A checkpoint without the projector weights: the error names the missing tensor.
        let source = AyaVisionFixtures.url("tiny-bf16")
        for name in try fm.contentsOfDirectory(atPath: source.path) where name != "model.safetensors" {
            try fm.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        try Self.writeSafetensorsWithout(prefix: "model.multi_modal_projector.linear_2",
                                         from: source.appendingPathComponent("model.safetensors"),
                                         to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try AyaVisionEngine(checkpoint: dir)) { error in
            XCTAssertTrue("\(error)".contains("multi_modal_projector.linear_2"), "\(error)")
        }
    }

    /// Copies a safetensors file leaving out the tensors whose names start with `prefix`.
    private static func writeSafetensorsWithout(prefix: String, from: URL, to: URL) throws {
        let data = try Data(contentsOf: from)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        for key in header.keys where key.hasPrefix(prefix) { header.removeValue(forKey: key) }
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(data.subdata(in: (8 + headerLength)..<data.count))
        try out.write(to: to)
    }
}
