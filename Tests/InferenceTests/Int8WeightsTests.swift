import Foundation
import Imaging
import XCTest
@testable import Inference

/// `--weights int8`: Q8_0 copies of the language model's linear weights, quantized once into a cache file
/// outside the checkpoint, read back on the next load, rebuilt when the checkpoint changes or the file is
/// damaged; the logits stay near the 16-bit run's.
final class Int8WeightsTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-int8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// A copy of the bf16 fixture checkpoint (so its files' mtimes can change) and its golden.
    private func checkpointCopy() throws -> (URL, Qwen2VLFixtures.Golden) {
        let g = try XCTUnwrap(try Qwen2VLFixtures.caseNames().map(Qwen2VLFixtures.golden).first { $0.weightsDType == "bfloat16" })
        let dir = scratch.appendingPathComponent("tiny-bf16")
        try FileManager.default.copyItem(at: g.checkpoint, to: dir)
        return (dir, g)
    }

    private func firstLogits(_ engine: Qwen2VLEngine, _ g: Qwen2VLFixtures.Golden) throws -> (logits: [Float], ids: [Int]) {
        let image = try ImageDecoder.decode(fileAt: g.image.path).image
        let request = OCRRequest(prompt: g.prompt, maxNewTokens: g.generatedIDs.count, maxPixels: g.maxPixels, greedy: true,
                                 ignoreEOS: true)
        var steps: [[Float]] = []
        let result = try engine.run(image, request: request, onEvent: { _ in }, onLogits: { steps.append($0) })
        return (try XCTUnwrap(steps.first), result.tokens)
    }

    func testCacheIsBuiltOnceThenReadAndStaysOutOfTheCheckpoint() throws {
        let (dir, g) = try checkpointCopy()
        let cacheDir = scratch.appendingPathComponent("state/int8-cache")
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))

        let first = try Qwen2VLEngine(checkpoint: dir, weights: .int8(cacheDirectory: cacheDir))
        let state = try XCTUnwrap(first.int8Cache)
        XCTAssertTrue(state.built)
        XCTAssertNil(state.note)
        XCTAssertTrue(state.file.hasPrefix(cacheDir.path), state.file)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: state.file))
        XCTAssertEqual(Array(bytes.prefix(8)), Array("SCRAWLQ8".utf8))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), before, "nothing written beside the checkpoint")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheDir.path).count, 1, "no temporary file left")

        let second = try Qwen2VLEngine(checkpoint: dir, weights: .int8(cacheDirectory: cacheDir))
        XCTAssertEqual(second.int8Cache?.built, false, "read from the file")
        // the file holds exactly what was quantized: same logits bit for bit
        XCTAssertEqual(try firstLogits(first, g).logits, try firstLogits(second, g).logits)
    }

    func testChangedCheckpointOrDamagedFileRebuilds() throws {
        let (dir, _) = try checkpointCopy()
        let cacheDir = scratch.appendingPathComponent("cache")
        let file = try XCTUnwrap(try Qwen2VLEngine(checkpoint: dir, weights: .int8(cacheDirectory: cacheDir)).int8Cache?.file)

        // a weight file rewritten (new mtime): the identity in the header no longer matches
        let shard = dir.appendingPathComponent("model-00002-of-00002.safetensors")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: shard.path)
        let rebuilt = try XCTUnwrap(try Qwen2VLEngine(checkpoint: dir, weights: .int8(cacheDirectory: cacheDir)).int8Cache)
        XCTAssertTrue(rebuilt.built)
        XCTAssertTrue(rebuilt.note?.contains("different checkpoint") == true, rebuilt.note ?? "no note")
        XCTAssertEqual(try Qwen2VLEngine(checkpoint: dir, weights: .int8(cacheDirectory: cacheDir)).int8Cache?.built, false)

        // a truncated file: rebuilt, with the reason
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.truncate(atOffset: 4096)
        try handle.close()
        let afterDamage = try XCTUnwrap(try Qwen2VLEngine(checkpoint: dir, weights: .int8(cacheDirectory: cacheDir)).int8Cache)
        XCTAssertTrue(afterDamage.built)
        XCTAssertTrue(afterDamage.note?.contains("outside the file") == true || afterDamage.note?.contains("header") == true,
                      afterDamage.note ?? "no note")

        // garbage: not a cache at all
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: file))
        let afterGarbage = try XCTUnwrap(try Qwen2VLEngine(checkpoint: dir, weights: .int8(cacheDirectory: cacheDir)).int8Cache)
        XCTAssertTrue(afterGarbage.note?.contains("bad magic") == true, afterGarbage.note ?? "no note")
    }

    func testInt8LogitsStayNearTheCheckpointRun() throws {
        let (dir, g) = try checkpointCopy()
        let native = try firstLogits(try Qwen2VLEngine(checkpoint: dir), g)
        let int8Engine = try Qwen2VLEngine(checkpoint: dir, weights: .int8(cacheDirectory: scratch.appendingPathComponent("c")))
        let int8 = try firstLogits(int8Engine, g)
        let scale = native.logits.map(abs).max() ?? 1
        let diff = zip(native.logits, int8.logits).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertGreaterThan(diff, 0, "int8 weights were not used")
        XCTAssertLessThan(diff / scale, 0.05, "first-step logits: max |Δ| \(diff) against max |logit| \(scale)")
        XCTAssertEqual(native.logits.indices.max { native.logits[$0] < native.logits[$1] },
                       int8.logits.indices.max { int8.logits[$0] < int8.logits[$1] }, "first token")
        print("[int8] tiny fixture: first-step max |Δlogit| / max |logit| = \(diff / scale); greedy ids equal for "
              + "\(zip(native.ids, int8.ids).prefix { $0 == $1 }.count) of \(native.ids.count)")
    }
}
