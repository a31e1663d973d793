import Foundation
import Imaging
import XCTest
@testable import Inference

/// float16 checkpoints: the bf16 fixture rewritten as F16 (every bf16 value but 26 tiny ones, all below
/// 2^-17, is exact in f16) must meet the bf16 goldens with the f32 bounds when computed in f32, and stay
/// within the accepted bf16 drift with native arithmetic — on whichever kernel ISA runs the tests.
final class F16CheckpointParityTests: XCTestCase {
    /// A temporary copy of `source` with every BF16 tensor stored as F16 (same offsets: both 2 bytes).
    private func f16Copy(of source: URL) throws -> URL {
        let fm = FileManager.default
        let out = fm.temporaryDirectory.appendingPathComponent("scrawl-f16-\(UUID().uuidString)")
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: source.path) {
            let src = source.appendingPathComponent(name), dst = out.appendingPathComponent(name)
            guard name.hasSuffix(".safetensors") else {
                try fm.copyItem(at: src, to: dst)
                continue
            }
            var bytes = [UInt8](try Data(contentsOf: src))
            let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
            for (key, value) in header where key != "__metadata__" {
                let info = try XCTUnwrap(value as? [String: Any])
                guard info["dtype"] as? String == "BF16", let range = info["data_offsets"] as? [Int] else { continue }
                for at in stride(from: 8 + headerLength + range[0], to: 8 + headerLength + range[1], by: 2) {
                    let f = Float(bitPattern: UInt32(bytes[at]) << 16 | UInt32(bytes[at + 1]) << 24)
                    let h = Float16(f).bitPattern
                    bytes[at] = UInt8(h & 0xff)
                    bytes[at + 1] = UInt8(h >> 8)
                }
            }
            // "BF16" → "F16" shortens the header; pad it back with spaces (the format allows them).
            var text = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self).replacingOccurrences(of: "\"BF16\"", with: "\"F16\"")
            text += String(repeating: " ", count: headerLength - text.utf8.count)
            bytes.replaceSubrange(8..<(8 + headerLength), with: Array(text.utf8))
            try Data(bytes).write(to: dst)
        }
        return out
    }

    func testF16CheckpointMeetsTheBF16Goldens() throws {
        let goldens = try Qwen2VLFixtures.caseNames().map(Qwen2VLFixtures.golden).filter { $0.weightsDType == "bfloat16" }
        let g = try XCTUnwrap(goldens.first)
        let dir = try f16Copy(of: g.checkpoint)
        defer { try? FileManager.default.removeItem(at: dir) }
        let probe = try CheckpointDirectory(url: dir, normalizeName: { $0 })
        let dtypes = Set(try probe.tensorNames.map { try probe.info($0).info.dtype })
        XCTAssertTrue(dtypes.contains("F16") && !dtypes.contains("BF16"), "\(dtypes)")
        let image = try ImageDecoder.decode(fileAt: g.image.path).image
        let request = OCRRequest(prompt: g.prompt, maxNewTokens: g.generatedIDs.count, maxPixels: g.maxPixels, greedy: true,
                                 ignoreEOS: true)
        let maxLogit = g.logits.map(abs).max() ?? 1
        for (arithmetic, bound) in [(Arithmetic.float32, Float(1e-3)), (.native, 3e-2)] {
            let engine = try Qwen2VLEngine(checkpoint: dir, arithmetic: arithmetic)
            var stepLogits: [[Float]] = []
            let result = try engine.run(image, request: request, onEvent: { _ in }, onLogits: { stepLogits.append($0) })
            let first = try XCTUnwrap(stepLogits.first)
            let diff = zip(first, g.logits).map { abs($0 - $1) }.max() ?? .infinity
            print("[parity] \(g.name) as f16 \(arithmetic): first-step max|diff| \(diff) = \(diff / maxLogit) × max|logit|")
            XCTAssertLessThanOrEqual(diff, bound * maxLogit, "\(g.name) as f16, \(arithmetic): first-step logits")
            if arithmetic == .float32 {
                XCTAssertEqual(result.tokens, g.generatedIDs, "\(g.name) as f16, f32 arithmetic: greedy ids")
            }
        }
    }
}
