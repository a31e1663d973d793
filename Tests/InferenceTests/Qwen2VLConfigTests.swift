import Foundation
import XCTest
@testable import Inference

final class Qwen2VLConfigTests: XCTestCase {
    private func config(_ text: String) throws -> Qwen2VLConfig {
        try Qwen2VLConfig(json: JSONObject.parse(Data(text.utf8), path: "config.json"))
    }

    /// The OCR fine-tune's shape: flat text keys, rope_scaling type "default", sparse vision_config.
    func testSparseVisionConfigTakesClassDefaults() throws {
        let c = try config("""
            {"hidden_size": 1536, "num_hidden_layers": 28, "num_attention_heads": 12, "num_key_value_heads": 2,
             "intermediate_size": 8960, "vocab_size": 151936, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
             "rope_scaling": {"mrope_section": [16, 24, 24], "rope_type": "default", "type": "default"},
             "tie_word_embeddings": true, "eos_token_id": 151645,
             "vision_config": {"hidden_size": 1536, "in_chans": 3, "model_type": "qwen2_vl", "spatial_patch_size": 14}}
            """)
        XCTAssertEqual(c.vision.depth, 32)
        XCTAssertEqual(c.vision.embedDim, 1280)
        XCTAssertEqual(c.vision.heads, 16)
        XCTAssertEqual(c.vision.mlpDim, 5120)
        XCTAssertEqual(c.vision.patchValues, 1176)
        XCTAssertEqual(c.vision.hiddenAct, "quick_gelu")
        XCTAssertEqual(c.text.headDim, 128)
        XCTAssertEqual(c.text.mropeSection, [16, 24, 24])
        XCTAssertEqual(c.text.rmsNormEps, 1e-6)
        XCTAssertEqual(c.eosTokenIDs, [151645])
        XCTAssertEqual(c.imageTokenID, 151655)
    }

    /// transformers 5.x: nested text_config and rope_parameters.
    func testNestedTextConfigAndRopeParameters() throws {
        let c = try config("""
            {"text_config": {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 1000,
              "rope_parameters": {"mrope_section": [2, 3, 3], "rope_theta": 5000.0}},
             "hidden_size": 999,
             "vision_config": {"depth": 1, "embed_dim": 32, "num_heads": 2, "hidden_size": 64}}
            """)
        XCTAssertEqual(c.text.hiddenSize, 64)
        XCTAssertEqual(c.text.ropeTheta, 5000)
        XCTAssertEqual(c.text.mropeSection, [2, 3, 3])
        XCTAssertEqual(c.text.kvHeads, 2)
    }

    func testMropeSectionMustFitHeadDim() {
        XCTAssertThrowsError(try config("""
            {"hidden_size": 64, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8,
             "vocab_size": 10, "rope_scaling": {"mrope_section": [1, 1, 1]},
             "vision_config": {"hidden_size": 64}}
            """)) { error in
            XCTAssertTrue("\(error)".contains("mrope_section"), "\(error)")
        }
    }

    func testGenerationConfigListOrInt() throws {
        let list = try GenerationConfig(json: JSONObject.parse(Data(#"{"eos_token_id": [151645, 151643], "do_sample": true, "top_k": 1, "top_p": 0.001, "temperature": 0.01}"#.utf8), path: "g"), fallbackEOS: [1])
        XCTAssertEqual(list.eosTokenIDs, [151645, 151643])
        XCTAssertEqual(list.topK, 1)
        let single = try GenerationConfig(json: JSONObject.parse(Data(#"{"eos_token_id": 7}"#.utf8), path: "g"), fallbackEOS: [1])
        XCTAssertEqual(single.eosTokenIDs, [7])
        XCTAssertFalse(single.doSample)
        XCTAssertEqual(try GenerationConfig(json: nil, fallbackEOS: [3]).eosTokenIDs, [3])
    }

    func testPreprocessorPrecedence() throws {
        let explicit = try PreprocessorConfig(json: JSONObject.parse(Data(#"{"min_pixels": 100, "max_pixels": 200, "size": {"shortest_edge": 1, "longest_edge": 2}}"#.utf8), path: "p"), patchSize: 14, temporalPatchSize: 2, mergeSize: 2)
        XCTAssertEqual([explicit.minPixels, explicit.maxPixels], [100, 200])
        let sized = try PreprocessorConfig(json: JSONObject.parse(Data(#"{"size": {"shortest_edge": 10, "longest_edge": 20}}"#.utf8), path: "p"), patchSize: 14, temporalPatchSize: 2, mergeSize: 2)
        XCTAssertEqual([sized.minPixels, sized.maxPixels], [10, 20])
        let defaults = try PreprocessorConfig(json: nil, patchSize: 14, temporalPatchSize: 2, mergeSize: 2)
        XCTAssertEqual([defaults.minPixels, defaults.maxPixels], [3136, 1_003_520])
    }

    func testWeightNameLayoutsNormalise() {
        XCTAssertEqual(Qwen2VLWeightNames.normalize("model.language_model.layers.0.mlp.up_proj.weight"), "model.layers.0.mlp.up_proj.weight")
        XCTAssertEqual(Qwen2VLWeightNames.normalize("model.visual.blocks.3.attn.qkv.bias"), "visual.blocks.3.attn.qkv.bias")
        XCTAssertEqual(Qwen2VLWeightNames.normalize("language_model.model.norm.weight"), "model.norm.weight")
        XCTAssertEqual(Qwen2VLWeightNames.normalize("visual.merger.ln_q.weight"), "visual.merger.ln_q.weight")
        XCTAssertEqual(Qwen2VLWeightNames.normalize("lm_head.weight"), "lm_head.weight")
    }

    func testInverseFrequencyTablesAreTorchBits() {
        let text = Qwen2VLRope.inverseFrequencies(dim: 128, theta: 1_000_000)
        XCTAssertEqual(text.count, 64)
        XCTAssertEqual(text[1].bitPattern, 0x3f4e4bad)
        let vision = Qwen2VLRope.inverseFrequencies(dim: 40, theta: 10000)
        XCTAssertEqual(vision[19].bitPattern, 0x39263028)
        XCTAssertEqual(Qwen2VLRope.inverseFrequencies(dim: 8, theta: 100)[1], 1 / Float(100).squareRoot().squareRoot(), accuracy: 1e-7)
    }

    /// Integers read from config.json must be positive; the error names the file and key.
    func testNonPositiveSizesNameTheKey() {
        let valid: [String: Any] = ["hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 32,
                                    "vocab_size": 100, "rope_scaling": ["mrope_section": [2, 1, 1]],
                                    "vision_config": ["hidden_size": 16, "embed_dim": 16, "num_heads": 2]]
        XCTAssertNoThrow(try Qwen2VLConfig(json: JSONObject(path: "/ckpt/config.json", values: valid)))
        for (key, value) in [("num_hidden_layers", 0), ("intermediate_size", -4), ("vocab_size", 0)] {
            var values = valid
            values[key] = value
            XCTAssertThrowsError(try Qwen2VLConfig(json: JSONObject(path: "/ckpt/config.json", values: values))) { error in
                XCTAssertTrue("\(error)".contains("/ckpt/config.json") && "\(error)".contains(key), "\(error)")
            }
        }
        var vision = valid
        vision["vision_config"] = ["hidden_size": 16, "embed_dim": 16, "num_heads": 2, "depth": 0]
        XCTAssertThrowsError(try Qwen2VLConfig(json: JSONObject(path: "/ckpt/config.json", values: vision))) { error in
            XCTAssertTrue("\(error)".contains("vision_config.depth"), "\(error)")
        }
    }
}
