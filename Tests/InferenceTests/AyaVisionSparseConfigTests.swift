import Foundation
import XCTest
@testable import Inference

/// Aya Vision from a config.json as sparse as the real aya-vision-8b one: every value the engine reads
/// equals what transformers 4.57.6's config classes fill in (golden/aya-config-fill.json, dumped from
/// AyaVisionConfig.from_pretrained on the same folder), and bad values are errors naming the key.
final class AyaVisionSparseConfigTests: XCTestCase {
    private func load(_ values: [String: Any]) throws -> AyaVisionConfig {
        try AyaVisionConfig(json: JSONObject(path: "/ckpt/config.json", values: values))
    }

    private func realLayoutConfig() throws -> AyaVisionConfig {
        let json = try XCTUnwrap(try JSONObject.load(RealLayoutFixtures.aya.appendingPathComponent("config.json")))
        return try AyaVisionConfig(json: json)
    }

    func testSparseConfigIsFilledAsTransformersFillsIt() throws {
        let golden = try RealLayoutFixtures.json("aya-config-fill.json")
        let filled = try XCTUnwrap(golden["filled"] as? [String: Any])
        let t = try XCTUnwrap(filled["text"] as? [String: Any])
        let v = try XCTUnwrap(filled["vision"] as? [String: Any])
        let top = try XCTUnwrap(filled["top"] as? [String: Any])
        let c = try realLayoutConfig()

        // The file really is sparse: none of the filled keys below are in its text_config.
        let file = try XCTUnwrap(golden["config_json"] as? [String: Any])
        let fileText = try XCTUnwrap(file["text_config"] as? [String: Any])
        for key in ["vocab_size", "layer_norm_eps", "sliding_window", "layer_types", "tie_word_embeddings", "head_dim",
                    "eos_token_id", "bos_token_id", "pad_token_id", "attention_bias"] {
            XCTAssertNil(fileText[key], "\(key) should come from Cohere2Config's defaults")
        }

        XCTAssertEqual(c.text.vocabSize, t["vocab_size"] as? Int)
        XCTAssertEqual(c.text.hiddenSize, t["hidden_size"] as? Int)
        XCTAssertEqual(c.text.intermediateSize, t["intermediate_size"] as? Int)
        XCTAssertEqual(c.text.layers, t["num_hidden_layers"] as? Int)
        XCTAssertEqual(c.text.heads, t["num_attention_heads"] as? Int)
        XCTAssertEqual(c.text.kvHeads, t["num_key_value_heads"] as? Int)
        XCTAssertEqual(c.text.headDim, t["head_dim"] as? Int)
        XCTAssertEqual(Double(c.text.layerNormEps), try XCTUnwrap(t["layer_norm_eps"] as? Double), accuracy: 1e-12)
        XCTAssertEqual(Double(c.text.ropeTheta), try XCTUnwrap(t["rope_theta"] as? Double))
        XCTAssertEqual(c.text.slidingWindow, t["sliding_window"] as? Int)
        XCTAssertEqual(c.text.slidingLayers, try XCTUnwrap(t["layer_types"] as? [String]).map { $0 == "sliding_attention" })
        XCTAssertEqual(c.text.attentionBias, t["attention_bias"] as? Bool)
        XCTAssertEqual(c.text.tieWordEmbeddings, t["tie_word_embeddings"] as? Bool)
        XCTAssertEqual(Double(c.text.logitScale), try XCTUnwrap(t["logit_scale"] as? Double))
        XCTAssertEqual(c.text.eosTokenIDs, [try XCTUnwrap(t["eos_token_id"] as? Int)])
        XCTAssertEqual(c.text.bosTokenID, t["bos_token_id"] as? Int)
        XCTAssertEqual(c.text.padTokenID, t["pad_token_id"] as? Int)
        XCTAssertEqual(t["hidden_act"] as? String, "silu")

        XCTAssertEqual(c.vision.hiddenSize, v["hidden_size"] as? Int)
        XCTAssertEqual(c.vision.intermediateSize, v["intermediate_size"] as? Int)
        XCTAssertEqual(c.vision.layers, v["num_hidden_layers"] as? Int)
        XCTAssertEqual(c.vision.heads, v["num_attention_heads"] as? Int)
        XCTAssertEqual(c.vision.channels, v["num_channels"] as? Int)
        XCTAssertEqual(c.vision.imageSize, v["image_size"] as? Int)
        XCTAssertEqual(c.vision.patchSize, v["patch_size"] as? Int)
        XCTAssertEqual(c.vision.hiddenAct, v["hidden_act"] as? String)
        XCTAssertEqual(Double(c.vision.layerNormEps), try XCTUnwrap(v["layer_norm_eps"] as? Double), accuracy: 1e-12)

        XCTAssertEqual(c.imageTokenID, top["image_token_index"] as? Int)
        XCTAssertEqual(c.downsampleFactor, top["downsample_factor"] as? Int)
        XCTAssertEqual(Double(c.adapterLayerNormEps), try XCTUnwrap(top["adapter_layer_norm_eps"] as? Double), accuracy: 1e-12)
        XCTAssertEqual(c.alignmentIntermediateSize, top["alignment_intermediate_size"] as? Int)
        XCTAssertEqual(c.visionLayersUsed, c.vision.layers)   // vision_feature_layer -1
        XCTAssertEqual(c.tokensPerTile, 169)                  // 364 / 14 = 26 patches a side, 13 after the shuffle
    }

    /// The real aya-vision-8b key set with the real values: the engine's shapes are the 8B model's.
    func testRealEightBillionKeySet() throws {
        let c = try load([
            "adapter_layer_norm_eps": 1e-6, "alignment_activation_fn": "swiglu", "alignment_intermediate_size": 28672,
            "downsample_factor": 2, "image_token_index": 255036, "model_type": "aya_vision", "projector_hidden_act": "gelu",
            "torch_dtype": "float16", "vision_feature_layer": -1, "vision_feature_select_strategy": "full",
            "text_config": ["hidden_size": 4096, "intermediate_size": 14336, "logit_scale": 0.25, "model_type": "cohere2",
                            "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
                            "rope_theta": 50000, "torch_dtype": "float16", "use_qk_norm": false],
            "vision_config": ["hidden_size": 1152, "image_size": 364, "intermediate_size": 4304,
                              "model_type": "siglip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 27,
                              "patch_size": 14, "torch_dtype": "float16", "vision_use_head": false],
        ])
        XCTAssertEqual(c.text.vocabSize, 256_000)
        XCTAssertEqual(c.text.headDim, 128)
        XCTAssertEqual(c.text.slidingWindow, 4096)
        XCTAssertEqual(c.text.slidingLayers.filter { !$0 }.count, 8)  // every 4th of 32 layers is global
        XCTAssertEqual(c.text.layerNormEps, 1e-5)
        XCTAssertTrue(c.text.tieWordEmbeddings)
        XCTAssertEqual(c.text.eosTokenIDs, [255_001])
        XCTAssertEqual(c.text.bosTokenID, 5)
        XCTAssertEqual(c.text.padTokenID, 0)
        XCTAssertEqual(c.vision.hiddenAct, "gelu_pytorch_tanh")
        XCTAssertEqual(c.tokensPerTile, 169)
    }

    private func base(text: [String: Any] = [:], vision: [String: Any] = [:], top: [String: Any] = [:]) -> [String: Any] {
        var t: [String: Any] = ["hidden_size": 8, "num_attention_heads": 2, "num_key_value_heads": 1, "num_hidden_layers": 4]
        t.merge(text) { $1 }
        var v: [String: Any] = ["hidden_size": 16, "num_attention_heads": 2, "num_hidden_layers": 2, "image_size": 364, "patch_size": 14]
        v.merge(vision) { $1 }
        var o: [String: Any] = ["model_type": "aya_vision", "text_config": t, "vision_config": v]
        o.merge(top) { $1 }
        return o
    }

    func testTransformersDetailsOfTheFill() throws {
        // `_sliding_window_pattern` alone is overwritten by Cohere2Config (from sliding_window_pattern, default 4).
        XCTAssertEqual(try load(base(text: ["_sliding_window_pattern": 2])).text.slidingLayers, [true, true, true, false])
        XCTAssertEqual(try load(base(text: ["sliding_window_pattern": 2])).text.slidingLayers, [true, false, true, false])
        // The head is tied by the TEXT config; a top-level tie_word_embeddings does not untie it.
        XCTAssertTrue(try load(base(top: ["tie_word_embeddings": false])).text.tieWordEmbeddings)
        XCTAssertFalse(try load(base(text: ["tie_word_embeddings": false])).text.tieWordEmbeddings)
        // A head_dim key overrides hidden_size / heads; image_token_id is an alias of image_token_index.
        XCTAssertEqual(try load(base(text: ["head_dim": 6])).text.headDim, 6)
        XCTAssertEqual(try load(base(top: ["image_token_id": 42])).imageTokenID, 42)
        // Explicit null ids are kept as "none".
        XCTAssertNil(try load(base(text: ["pad_token_id": NSNull()])).text.padTokenID)
    }

    private func assertRefused(_ values: [String: Any], _ key: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(values), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("config.json"), message, file: file, line: line)
            XCTAssertTrue(message.contains(key), "\(message) does not name \(key)", file: file, line: line)
        }
    }

    func testOutOfRangeValuesNameTheKey() {
        assertRefused(base(text: ["hidden_size": 0]), "text_config.hidden_size")
        assertRefused(base(text: ["num_hidden_layers": -1]), "text_config.num_hidden_layers")
        assertRefused(base(text: ["vocab_size": 0]), "text_config.vocab_size")
        assertRefused(base(text: ["num_attention_heads": 3]), "text_config.num_attention_heads")
        assertRefused(base(text: ["num_key_value_heads": 0]), "text_config.num_key_value_heads")
        assertRefused(base(text: ["head_dim": 5]), "text_config.head_dim")
        assertRefused(base(text: ["sliding_window": 0]), "text_config.sliding_window")
        assertRefused(base(text: ["use_qk_norm": true]), "text_config.use_qk_norm")
        assertRefused(base(text: ["hidden_act": "gelu"]), "text_config.hidden_act")
        assertRefused(base(vision: ["patch_size": 0]), "vision_config.patch_size")
        assertRefused(base(vision: ["image_size": 365]), "vision_config.image_size")
        assertRefused(base(vision: ["hidden_act": "relu6"]), "vision_config.hidden_act")
        assertRefused(base(top: ["downsample_factor": 0]), "downsample_factor")
        assertRefused(base(top: ["alignment_intermediate_size": -2]), "alignment_intermediate_size")
    }

    func testRealPreprocessorFileStillTiles() throws {
        // The real preprocessor_config.json says crop_to_patches false; AyaVisionProcessor passes True.
        let config = try AyaVisionPreprocessorConfig.load(checkpoint: RealLayoutFixtures.aya)
        XCTAssertTrue(config.cropToPatches)
        XCTAssertEqual([config.tileWidth, config.tileHeight, config.minTiles, config.maxTiles], [364, 364, 1, 12])
        XCTAssertEqual(config.mean, [0.5, 0.5, 0.5])
        XCTAssertEqual(config.prompt.imageSize, 364)
    }
}
