import Foundation
import XCTest
@testable import Inference

/// Checkpoint errors blame the checkpoint (issue 10, item 12): every config integer is range-checked
/// at load, and the error names the file and the key. One test per family of bad value, each on the
/// tiny fixtures' real config files with one value changed.
final class ConfigRangeTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures").standardized

    private func fixtureJSON(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent(relative))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// `object` with `value` set at the dotted `key` path.
    private func setting(_ object: [String: Any], _ key: String, _ value: Any) -> [String: Any] {
        var copy = object
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 1 { copy[key] = value } else {
            copy[parts[0]] = setting(copy[parts[0]] as? [String: Any] ?? [:], parts[1], value)
        }
        return copy
    }

    private func json(_ object: [String: Any], path: String) throws -> JSONObject {
        try JSONObject.parse(JSONSerialization.data(withJSONObject: object), path: path)
    }

    /// Asserts that `load` on `base` with `key` = `value` throws invalidValue naming `key` (or `named`).
    private func assertRefused(_ base: [String: Any], _ key: String, _ value: Any, named: String? = nil, path: String,
                               _ load: (JSONObject) throws -> Void, file: StaticString = #filePath, line: UInt = #line) throws {
        let object = try json(setting(base, key, value), path: path)
        XCTAssertThrowsError(try load(object), "\(key) = \(value)", file: file, line: line) { error in
            guard case CheckpointError.invalidValue(let errorPath, let errorKey, _) = error else {
                return XCTFail("\(key) = \(value): \(error)", file: file, line: line)
            }
            XCTAssertEqual(errorPath, path, file: file, line: line)
            XCTAssertEqual(errorKey, named ?? key, "\(error)", file: file, line: line)
        }
    }

    func testTheFixturesThemselvesPass() throws {
        _ = try Qwen2VLConfig(json: json(fixtureJSON("qwen2vl/tiny-f32/config.json"), path: "config.json"))
        _ = try AyaVisionConfig(json: json(fixtureJSON("aya/tiny-f32/config.json"), path: "config.json"))
    }

    // MARK: sizes that are zero or negative

    func testZeroAndNegativeSizesNameTheirKey() throws {
        let qwen = try fixtureJSON("qwen2vl/tiny-f32/config.json")
        let loadQwen: (JSONObject) throws -> Void = { _ = try Qwen2VLConfig(json: $0) }
        // text_config wins over the top level, so the nested key is the one named.
        for key in ["text_config.num_hidden_layers", "text_config.intermediate_size", "text_config.vocab_size",
                    "vision_config.depth", "vision_config.patch_size", "vision_config.spatial_merge_size",
                    "vision_config.temporal_patch_size", "vision_config.in_channels"] {
            try assertRefused(qwen, key, -3, path: "config.json", loadQwen)
        }
        try assertRefused(qwen, "rope_scaling.mrope_section", [-2, 3, 3], path: "config.json", loadQwen)

        let aya = try fixtureJSON("aya/tiny-f32/config.json")
        let loadAya: (JSONObject) throws -> Void = { _ = try AyaVisionConfig(json: $0) }
        for key in ["text_config.num_hidden_layers", "text_config.vocab_size", "text_config.sliding_window",
                    "vision_config.intermediate_size", "vision_config.num_channels", "downsample_factor"] {
            try assertRefused(aya, key, 0, path: "config.json", loadAya)
        }
    }

    // MARK: sizes past any model (they would size buffers of petabytes)

    func testAbsurdlyLargeSizesNameTheirKey() throws {
        let qwen = try fixtureJSON("qwen2vl/tiny-f32/config.json")
        let loadQwen: (JSONObject) throws -> Void = { _ = try Qwen2VLConfig(json: $0) }
        for key in ["text_config.num_hidden_layers", "text_config.intermediate_size", "text_config.vocab_size",
                    "text_config.hidden_size", "text_config.num_attention_heads", "vision_config.depth",
                    "vision_config.embed_dim", "vision_config.patch_size"] {
            try assertRefused(qwen, key, 1 << 40, path: "config.json", loadQwen)
        }
        try assertRefused(qwen, "vision_config.mlp_ratio", 1e12, path: "config.json", loadQwen)

        let aya = try fixtureJSON("aya/tiny-f32/config.json")
        let loadAya: (JSONObject) throws -> Void = { _ = try AyaVisionConfig(json: $0) }
        for key in ["text_config.num_hidden_layers", "text_config.head_dim", "text_config.intermediate_size",
                    "vision_config.hidden_size", "vision_config.image_size", "alignment_intermediate_size"] {
            try assertRefused(aya, key, 1 << 40, path: "config.json", loadAya)
        }
        // Without layer_types, the pattern decides which layers slide.
        try assertRefused(setting(aya, "text_config.layer_types", NSNull()), "text_config.sliding_window_pattern", 1 << 40,
                          path: "config.json", loadAya)
        try assertRefused(aya, "vision_feature_layer", -(1 << 40), path: "config.json", loadAya)
    }

    // MARK: token ids outside the vocabulary (they index the embedding table)

    func testTokenIDsOutsideTheVocabularyNameTheirKey() throws {
        let qwen = try fixtureJSON("qwen2vl/tiny-f32/config.json")
        let loadQwen: (JSONObject) throws -> Void = { _ = try Qwen2VLConfig(json: $0) }
        for key in ["image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id", "eos_token_id"] {
            try assertRefused(qwen, key, 151936, path: "config.json", loadQwen)
            try assertRefused(qwen, key, -1, path: "config.json", loadQwen)
        }
        try assertRefused(qwen, "eos_token_id", [151645, 999_999], path: "config.json", loadQwen)

        let aya = try fixtureJSON("aya/tiny-f32/config.json")
        let loadAya: (JSONObject) throws -> Void = { _ = try AyaVisionConfig(json: $0) }
        for key in ["image_token_index", "text_config.eos_token_id", "text_config.bos_token_id", "text_config.pad_token_id"] {
            try assertRefused(aya, key, 2651, path: "config.json", loadAya)
        }
    }

    // MARK: the other files of a checkpoint

    func testPreprocessorAndGenerationIntegersNameTheirKey() throws {
        let qwenPre = try fixtureJSON("qwen2vl/tiny-f32/preprocessor_config.json")
        let loadQwenPre: (JSONObject) throws -> Void = {
            _ = try PreprocessorConfig(json: $0, patchSize: 14, temporalPatchSize: 2, mergeSize: 2)
        }
        try assertRefused(qwenPre, "max_pixels", 1 << 40, path: "preprocessor_config.json", loadQwenPre)
        try assertRefused(qwenPre, "min_pixels", -5, path: "preprocessor_config.json", loadQwenPre)
        try assertRefused(qwenPre, "merge_size", 1000, path: "preprocessor_config.json", loadQwenPre)
        try assertRefused(qwenPre, "patch_size", 0, path: "preprocessor_config.json", loadQwenPre)

        let ayaPre = try fixtureJSON("aya/tiny-f32/preprocessor_config.json")
        let loadAyaPre: (JSONObject) throws -> Void = { _ = try AyaVisionPreprocessorConfig(json: $0) }
        try assertRefused(ayaPre, "max_patches", 1 << 30, path: "preprocessor_config.json", loadAyaPre)
        try assertRefused(ayaPre, "size.height", 1 << 30, path: "preprocessor_config.json", loadAyaPre)

        let generation = try fixtureJSON("qwen2vl/tiny-f32/generation_config.json")
        let loadGeneration: (JSONObject) throws -> Void = { _ = try GenerationConfig(json: $0, fallbackEOS: [1]) }
        try assertRefused(generation, "top_k", -1, path: "generation_config.json", loadGeneration)
        try assertRefused(generation, "max_new_tokens", 0, path: "generation_config.json", loadGeneration)
        try assertRefused(generation, "eos_token_id", [-7], path: "generation_config.json", loadGeneration)
    }
}
