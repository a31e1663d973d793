import Foundation
import Glibc
import Inference
import XCTest
@testable import Daemon

/// Memory is checked before a model is loaded (issue 10, item 6): weights + KV cache + image against
/// MemAvailable and the cgroup's limit; a load that cannot fit is an environment problem of that
/// model (its scans wait), never a failed scan.
final class MemoryCheckTests: XCTestCase {
    private let qwen = fixture("qwen2vl/tiny-f32")
    private let aya = fixture("aya/tiny-f32")

    func testByteSizesParse() {
        XCTAssertEqual(MemoryLimits.parseBytes("4096"), 4096)
        XCTAssertEqual(MemoryLimits.parseBytes("512M"), 512 << 20)
        XCTAssertEqual(MemoryLimits.parseBytes("2g"), 2 << 30)
        XCTAssertNil(MemoryLimits.parseBytes("lots"))
        XCTAssertNil(MemoryLimits.parseBytes("-1"))
        XCTAssertNil(MemoryLimits.parseBytes("99999999999T"))
    }

    func testTheSmallerOfMemAvailableAndTheCgroupHeadroomCounts() {
        XCTAssertEqual(MemoryLimits(memAvailable: 10 << 30, cgroupLimit: 8 << 30, cgroupUsage: 3 << 30).availableBytes, 5 << 30)
        XCTAssertEqual(MemoryLimits(memAvailable: 2 << 30, cgroupLimit: 8 << 30, cgroupUsage: 3 << 30).availableBytes, 2 << 30)
        XCTAssertEqual(MemoryLimits(memAvailable: 2 << 30).availableBytes, 2 << 30)
        XCTAssertEqual(MemoryLimits(memAvailable: nil, cgroupLimit: 1 << 30, cgroupUsage: 2 << 30).availableBytes, 0)
        XCTAssertNil(MemoryLimits(memAvailable: nil).availableBytes)
    }

    func testTheEnvironmentOverrideStandsInForTheCgroupLimit() {
        let limits = MemoryLimits.current(environment: [MemoryLimits.overrideVariable: "64M"])
        XCTAssertEqual(limits.cgroupLimit, 64 << 20)
        XCTAssertEqual(limits.cgroupSource, MemoryLimits.overrideVariable)
        XCTAssertGreaterThan(limits.cgroupUsage ?? 0, 0, "this process's resident memory counts as used")
        XCTAssertNotNil(MemoryLimits.current(environment: [:]).memAvailable, "/proc/meminfo is read")
    }

    func testTheEstimateCountsTheWeightFilesAndAKVCachePerToken() throws {
        let weights = try FileManager.default.attributesOfItem(atPath: qwen.appendingPathComponent("model.safetensors").path)[.size] as? Int
        let q = try MemoryEstimate.of(checkpoint: qwen)
        XCTAssertEqual(q.weightBytes, Int64(try XCTUnwrap(weights)))
        // 2 layers × (K and V) × 1 KV head × head_dim 8 × 4 bytes.
        XCTAssertEqual(q.kvBytesPerToken, 2 * 2 * 1 * 8 * 4)
        // max_pixels / 14² patches, 2×2 merged, plus the text allowance.
        XCTAssertGreaterThan(q.maxPromptTokens, MemoryEstimate.textAllowance)
        XCTAssertEqual(q.totalBytes(maxTokens: 1000) - q.totalBytes(maxTokens: 0), 1000 * q.kvBytesPerToken)

        let a = try MemoryEstimate.of(checkpoint: aya)
        XCTAssertEqual(a.kvBytesPerToken, 4 * 2 * 2 * 16 * 4)
        let shards = try FileManager.default.contentsOfDirectory(atPath: aya.path).filter { $0.hasSuffix(".safetensors") }
        XCTAssertEqual(a.weightBytes, try shards.reduce(Int64(0)) {
            $0 + Int64(try FileManager.default.attributesOfItem(atPath: aya.appendingPathComponent($1).path)[.size] as? Int ?? 0)
        })
    }

    func testTheDefaultModelAtTheDefaultMaxPixelsFitsTheShippedUnit() throws {
        // The real Qwen2-VL-OCR-2B layout: its config and preprocessor (max_pixels 12845056), one
        // 4.42 GB model.safetensors (sparse here: only its size is read).
        let folder = try TemporaryDirectory()
        let config = """
            {"model_type": "qwen2_vl", "hidden_size": 1536, "intermediate_size": 8960, "num_attention_heads": 12,
             "num_hidden_layers": 28, "num_key_value_heads": 2, "vocab_size": 151936, "rms_norm_eps": 1e-06,
             "rope_theta": 1000000.0, "max_position_embeddings": 32768, "tie_word_embeddings": true,
             "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3,
                               "hidden_size": 1536, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2},
             "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder.path + "/config.json"))
        try Data(#"{"min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2, "merge_size": 2}"#.utf8)
            .write(to: URL(fileURLWithPath: folder.path + "/preprocessor_config.json"))
        XCTAssertTrue(FileManager.default.createFile(atPath: folder.path + "/model.safetensors", contents: nil))
        XCTAssertEqual(truncate(folder.path + "/model.safetensors", 4_420_000_000), 0, String(cString: strerror(errno)))
        let url = URL(fileURLWithPath: folder.path)
        let gib = Int64(1) << 30
        // A scan at the daemon's default max_pixels (1280 image tokens) with a 1024-token answer: well
        // inside the unit's MemoryMax=8G. (It was 28 GiB once: a full score matrix that attention
        // never allocates, at the checkpoint's max_pixels instead of the scan's.)
        let scan = try MemoryEstimate.of(checkpoint: url, maxPixels: InboxConfig.defaultMaxPixels)
        XCTAssertLessThan(scan.totalBytes(maxTokens: 1024), 6 * gib, "\(scan)")
        XCTAssertEqual(scan.maxPromptTokens, InboxConfig.defaultMaxPixels / (14 * 14 * 4) + MemoryEstimate.textAllowance)
        // The checkpoint's own maximum (16384 image tokens) is what a scan may ask for at most; over it, the engine caps.
        let largest = try MemoryEstimate.of(checkpoint: url)
        XCTAssertEqual(try MemoryEstimate.of(checkpoint: url, maxPixels: 1 << 30), largest)
        XCTAssertLessThan(largest.totalBytes(maxTokens: 1024), 16 * gib, "\(largest)")
        XCTAssertGreaterThan(largest.totalBytes(maxTokens: 1024), scan.totalBytes(maxTokens: 1024) + 2 * gib)
    }

    func testALoadThatCannotFitIsRefusedBeforeAnythingIsMappedAndPausesOnlyThatModel() throws {
        let tiny = CheckpointEngineLoader(limits: { MemoryLimits(memAvailable: 4 << 30, cgroupLimit: 1 << 20, cgroupUsage: 0,
                                                                  cgroupSource: "test") })
        XCTAssertThrowsError(try tiny.load(.qwen, checkpoint: qwen.path, maxTokens: 64)) { error in
            guard case EngineLoadError.insufficientMemory(let kind, let path, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(kind, .qwen)
            XCTAssertEqual(path, qwen.path)
            let text = "\(error)"
            XCTAssertTrue(text.contains("not enough memory to load the qwen model"), text)
            XCTAssertTrue(text.contains("KV cache") && text.contains("64 new tokens") && text.contains("test limit 0.00 GiB"), text)
            let problem = EnvironmentProblem.from(error)
            XCTAssertEqual(problem?.model, "qwen", "only this model's scans wait")
        }
        let roomy = CheckpointEngineLoader(limits: { MemoryLimits(memAvailable: 64 << 30) })
        XCTAssertNoThrow(try roomy.load(.qwen, checkpoint: qwen.path, maxTokens: 64))
        // The KV cache for max_tokens counts: a budget that holds the model for 64 tokens refuses 10 million.
        let estimate = try MemoryEstimate.of(checkpoint: qwen)
        let exact = CheckpointEngineLoader(limits: { MemoryLimits(memAvailable: estimate.totalBytes(maxTokens: 64)) })
        XCTAssertNoThrow(try exact.load(.qwen, checkpoint: qwen.path, maxTokens: 64))
        XCTAssertThrowsError(try exact.load(.qwen, checkpoint: qwen.path, maxTokens: 10_000_000))
    }
}
