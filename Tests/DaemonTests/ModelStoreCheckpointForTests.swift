import Foundation

/// A tiny checkpoint in the hub's layout: config.json, two safetensors shards and their index.
enum ModelStoreCheckpointForTests {
    static let repo = "tiny-org/tiny-ocr"

    static func safetensors(_ tensors: [(name: String, shape: [Int])]) -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        var payload = Data()
        for (index, tensor) in tensors.enumerated() {
            let count = tensor.shape.reduce(1, *)
            let bytes = count * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            for i in 0..<count {
                var value = Float(index * 1000 + i).bitPattern.littleEndian
                withUnsafeBytes(of: &value) { payload.append(contentsOf: $0) }
            }
            offset += bytes
        }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data()
        while json.count % 8 != 0 { json.append(0x20) }
        var length = UInt64(json.count).littleEndian
        var file = Data()
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        return file + json + payload
    }

    static func files() -> [String: Data] {
        let shard1 = safetensors([("model.embed_tokens.weight", [64, 16]), ("model.norm.weight", [16])])
        let shard2 = safetensors([("lm_head.weight", [64, 16]), ("visual.patch_embed.proj.weight", [8, 3, 2, 2])])
        let index: [String: Any] = ["metadata": ["total_size": shard1.count + shard2.count], "weight_map": [
            "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
            "model.norm.weight": "model-00001-of-00002.safetensors",
            "lm_head.weight": "model-00002-of-00002.safetensors",
            "visual.patch_embed.proj.weight": "model-00002-of-00002.safetensors",
        ]]
        return [
            "config.json": Data("{\"model_type\":\"qwen2_vl\",\"hidden_size\":16}".utf8),
            "model-00001-of-00002.safetensors": shard1,
            "model-00002-of-00002.safetensors": shard2,
            "model.safetensors.index.json": (try? JSONSerialization.data(withJSONObject: index, options: [.sortedKeys])) ?? Data(),
            "tokenizer.json": Data("{\"version\":\"1.0\"}".utf8),
            "pytorch_model.bin": Data("not wanted".utf8),
            ".gitattributes": Data("*.safetensors filter=lfs".utf8),
        ]
    }

    static func temporaryFolder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-models-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
