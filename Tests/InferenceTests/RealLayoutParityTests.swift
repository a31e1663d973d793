import Foundation
import Imaging
import XCTest
@testable import Inference

/// The engines on folders laid out exactly like the real repositories (Tests/Fixtures/real-layout:
/// file lists, float16 weights, legacy names, CRLF, sparse config) against transformers 4.57.6 loading
/// the same folders, f32 compute: prompt ids, pixels, first-step logits within 1e-3 × max|logit|,
/// 32 identical greedy ids and their log-probs.
final class RealLayoutParityTests: XCTestCase {
    nonisolated(unsafe) private static var qwenEngine: Qwen2VLEngine?

    private func qwen() throws -> Qwen2VLEngine {
        if let e = Self.qwenEngine { return e }
        let e = try Qwen2VLEngine(checkpoint: RealLayoutFixtures.qwen, arithmetic: .float32)
        Self.qwenEngine = e
        return e
    }

    func testQwenRealLayoutPromptAndPixelsMatchReference() throws {
        for name in try RealLayoutFixtures.caseNames("qwen") {
            let g = try RealLayoutFixtures.qwenGolden(name)
            let e = try qwen()
            XCTAssertEqual(e.model.preprocessor.minPixels, 3136)
            XCTAssertEqual(e.model.preprocessor.maxPixels, 12_845_056)
            let image = try ImageDecoder.decode(fileAt: g.image.path).image
            let prepared = try e.prepare(image, request: OCRRequest(prompt: g.prompt, maxPixels: g.maxPixels))
            XCTAssertEqual([prepared.gridT, prepared.gridH, prepared.gridW], g.grid, name)
            XCTAssertEqual(prepared.tokens, g.promptIDs, "\(name): prompt ids")
            XCTAssertEqual(prepared.positions.ropeDelta, g.ropeDelta, "\(name): rope_delta")
            XCTAssertEqual(prepared.pixels.count, g.pixelShape.reduce(1, *), name)
            guard !g.pixels.isEmpty else { continue }
            let diff = zip(prepared.pixels, g.pixels).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(diff, 1e-5, "\(name): pixel values differ by \(diff)")
        }
    }

    func testQwenRealLayoutGreedyGenerationMatchesReference() throws {
        for name in try RealLayoutFixtures.caseNames("qwen") {
            let g = try RealLayoutFixtures.qwenGolden(name)
            let e = try qwen()
            let request = OCRRequest(prompt: g.prompt, maxNewTokens: g.generatedIDs.count, maxPixels: g.maxPixels,
                                     greedy: true, ignoreEOS: true)
            var stepLogits: [[Float]] = []
            let image = try ImageDecoder.decode(fileAt: g.image.path).image
            let result = try e.run(image, request: request, onEvent: { _ in }, onLogits: { stepLogits.append($0) })
            XCTAssertEqual(result.promptTokens, g.promptIDs.count, name)
            if !g.logits.isEmpty {
                let first = try XCTUnwrap(stepLogits.first)
                XCTAssertEqual(first.count, g.logits.count, name)
                let maxLogit = g.logits.map(abs).max() ?? 1
                let diff = zip(first, g.logits).map { abs($0 - $1) }.max() ?? .infinity
                print("[real-layout] \(name): first-step max|diff| \(diff) = \(diff / maxLogit) × max|logit| \(maxLogit)")
                XCTAssertLessThanOrEqual(diff, 1e-3 * maxLogit, "\(name): first-step logits")
            }
            XCTAssertEqual(result.tokens, g.generatedIDs, "\(name): greedy ids")
            var worst: Float = 0
            for (i, step) in g.steps.enumerated() where i < result.logprobs.count {
                worst = max(worst, abs(result.logprobs[i] - step.chosenLogprob))
            }
            print("[real-layout] \(name): 32 greedy ids \(result.tokens == g.generatedIDs ? "identical" : "DIFFER"), worst chosen log-prob diff \(worst)")
            XCTAssertLessThanOrEqual(worst, 1e-3, "\(name): chosen log-probs")
        }
    }

    /// float16 weights with the engine's native arithmetic (what `scrawl ocr` runs): looser by design, as
    /// Qwen2VLParityTests' bf16 bound; reports the figures.
    func testQwenRealLayoutNativeArithmeticStaysClose() throws {
        let g = try RealLayoutFixtures.qwenGolden("qwen-tall")
        let e = try Qwen2VLEngine(checkpoint: RealLayoutFixtures.qwen)
        var stepLogits: [[Float]] = []
        let request = OCRRequest(prompt: g.prompt, maxNewTokens: g.generatedIDs.count, maxPixels: g.maxPixels, greedy: true, ignoreEOS: true)
        let result = try e.run(try ImageDecoder.decode(fileAt: g.image.path).image, request: request, onEvent: { _ in },
                               onLogits: { stepLogits.append($0) })
        let maxLogit = g.logits.map(abs).max() ?? 1
        let diff = zip(try XCTUnwrap(stepLogits.first), g.logits).map { abs($0 - $1) }.max() ?? .infinity
        let same = zip(result.tokens, g.generatedIDs).prefix { $0 == $1 }.count
        print("[real-layout] qwen-tall native f16: first-step \(diff / maxLogit) × max|logit|, \(same)/32 greedy ids identical before the first difference")
        XCTAssertLessThanOrEqual(diff, 3e-2 * maxLogit)
    }

    // MARK: - Aya Vision

    private func ayaImage(_ g: [String: Any]) throws -> RGBImage {
        let relative = try XCTUnwrap(g["image"] as? String)
        XCTAssertTrue(relative.hasPrefix("aya/"))
        return try AyaVisionFixtures.image(String(relative.dropFirst(4)))
    }

    /// Pixels from the real preprocessor_config.json (crop_to_patches false in the file; the processor tiles).
    func testAyaRealLayoutPixelsMatchReference() throws {
        let processor = AyaVisionImageProcessor(config: try AyaVisionPreprocessorConfig.load(checkpoint: RealLayoutFixtures.aya))
        for name in try RealLayoutFixtures.caseNames("aya") {
            let g = try RealLayoutFixtures.json("\(name).json")
            let pixels = try processor.pixels(try ayaImage(g))
            XCTAssertEqual([pixels.tileCount, 3, pixels.tileHeight, pixels.tileWidth], AyaVisionFixtures.ints(g["pixel_values_shape"]), name)
            let stride = try XCTUnwrap(g["pixel_sample_stride"] as? Int)
            let samples = try XCTUnwrap(g["pixel_samples"] as? [Double])
            var worst: Double = 0
            for (i, expected) in samples.enumerated() { worst = max(worst, abs(Double(pixels.values[i * stride]) - expected)) }
            XCTAssertLessThanOrEqual(worst, 1e-5, "\(name): sampled pixel values")
            let sum = pixels.values.reduce(0.0) { $0 + Double($1) }
            let absSum = try XCTUnwrap(g["pixel_values_abs_sum"] as? Double)
            XCTAssertEqual(sum, try XCTUnwrap(g["pixel_values_sum"] as? Double), accuracy: 1e-6 * absSum + 1e-3, "\(name): pixel sum")
        }
    }

    /// The engine on a copy of the Aya folder whose chat_template.json is the bare turn template (no
    /// preamble): the sparse config, four f16 shards with legacy names, the real preprocessor and processor
    /// files and the tokenizer, against the reference run on the same swapped folder. Passes today.
    func testAyaRealLayoutWithBareTemplateMatchesReference() throws {
        let g = try RealLayoutFixtures.json("aya-wide-2x1-bare-template.json")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aya-real-layout-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: RealLayoutFixtures.aya, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let template = try JSONSerialization.data(withJSONObject: ["chat_template": try XCTUnwrap(g["chat_template"] as? String)])
        try template.write(to: dir.appendingPathComponent("chat_template.json"))
        try checkAya(try AyaVisionEngine(checkpoint: dir, arithmetic: .float32), golden: g, name: "aya-wide-2x1-bare-template")
    }

    private func checkAya(_ engine: AyaVisionEngine, golden g: [String: Any], name: String) throws {
        let expectedIDs = AyaVisionFixtures.ints(g["generated_ids"])
        XCTAssertEqual(expectedIDs.count, 32, name)
        let request = OCRRequest(prompt: try XCTUnwrap(g["prompt"] as? String), maxNewTokens: expectedIDs.count,
                                 greedy: true, ignoreEOS: true)
        var stepLogits: [[Float]] = []
        let result = try engine.run(try ayaImage(g), request: request, onEvent: { _ in }, onLogits: { stepLogits.append($0) })
        XCTAssertEqual(result.promptTokens, AyaVisionFixtures.ints(g["prompt_ids"]).count, "\(name): prompt length")
        if let file = g["logits_file"] as? String {
            let expected = try RealLayoutFixtures.floats(file)
            let first = try XCTUnwrap(stepLogits.first)
            XCTAssertEqual(first.count, expected.count, name)
            let maxAbs = expected.map(abs).max() ?? 1
            let diff = zip(first, expected).map { abs($0 - $1) }.max() ?? .infinity
            print("[real-layout] \(name): first-step max|diff| \(diff) = \(diff / maxAbs) × max|logit| \(maxAbs)")
            XCTAssertLessThanOrEqual(diff, 1e-3 * maxAbs, "\(name): first-step logits")
        }
        XCTAssertEqual(result.tokens, expectedIDs, "\(name): greedy ids")
        let chosen = try XCTUnwrap(g["chosen_logprobs"] as? [Double])
        var worst: Double = 0
        for (i, lp) in chosen.enumerated() where i < result.logprobs.count { worst = max(worst, abs(Double(result.logprobs[i]) - lp)) }
        print("[real-layout] \(name): 32 greedy ids \(result.tokens == expectedIDs ? "identical" : "DIFFER"), worst chosen log-prob diff \(worst)")
        XCTAssertLessThanOrEqual(worst, 1e-3, "\(name): chosen log-probs")
    }

    /// The whole engine on the Aya folder. NOTE: needs a chat-template renderer that executes the
    /// template (the real one has a long system preamble); the template recogniser of
    /// Sources/Tokenizers/ChatTemplateFamily.swift refuses it, so this fails until the Jinja engine lands.
    func testAyaRealLayoutEngineMatchesReference() throws {
        let engine = try AyaVisionEngine(checkpoint: RealLayoutFixtures.aya, arithmetic: .float32)
        for name in try RealLayoutFixtures.caseNames("aya") {
            try checkAya(engine, golden: try RealLayoutFixtures.json("\(name).json"), name: name)
        }
    }
}
