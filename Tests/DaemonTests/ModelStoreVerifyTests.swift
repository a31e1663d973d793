import Foundation
import XCTest
@testable import Daemon
import Inference

final class ModelStoreVerifyTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = ModelStoreCheckpointForTests.temporaryFolder()
        for (name, data) in ModelStoreCheckpointForTests.files() {
            try data.write(to: URL(fileURLWithPath: folder + "/" + name))
        }
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func testGoodCheckpointPasses() {
        let report = ModelVerifier().verify(folder)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.tensors, 4)
        XCTAssertEqual(report.shards, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
    }

    func testTruncatedShardIsReported() throws {
        let path = folder + "/model-00002-of-00002.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: path))
        let report = ModelVerifier().verify(folder)
        XCTAssertFalse(report.ok)
        XCTAssertTrue(report.problems.contains { $0.contains("model-00002-of-00002.safetensors") }, "\(report.problems)")
    }

    func testTensorNamedInIndexButMissingFromShardIsReported() throws {
        let index: [String: Any] = ["weight_map": [
            "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
            "model.layers.0.mlp.up_proj.weight": "model-00001-of-00002.safetensors",
            "lm_head.weight": "model-00002-of-00002.safetensors",
        ]]
        try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: folder + "/model.safetensors.index.json"))
        let report = ModelVerifier().verify(folder)
        XCTAssertEqual(report.problems.count, 1, "\(report.problems)")
        XCTAssertTrue(report.problems[0].contains("model.layers.0.mlp.up_proj.weight"))
    }

    func testMissingOrBrokenConfigIsReported() throws {
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        XCTAssertTrue(ModelVerifier().verify(folder).problems.contains { $0.contains("config.json") })
        try FileManager.default.removeItem(atPath: folder + "/config.json")
        XCTAssertTrue(ModelVerifier().verify(folder).problems.contains { $0.contains("config.json: missing") })
    }

    func testManifestChecksumCatchesAFlippedByte() throws {
        let shard = "model-00001-of-00002.safetensors"
        let original = ModelStoreCheckpointForTests.files()[shard]!
        let manifest = ModelManifest(repository: "tiny-org/tiny-ocr", revision: "main", commit: nil, endpoint: "x",
                                     pulledAt: Date(), files: [HubFile(name: shard, size: Int64(original.count),
                                                                      sha256: ModelStoreHubServerForTests.sha256Hex(original))])
        try manifest.save(to: folder)
        XCTAssertTrue(ModelVerifier().verify(folder).ok)
        var flipped = original
        flipped[flipped.count - 1] ^= 0xFF
        try flipped.write(to: URL(fileURLWithPath: folder + "/" + shard))
        let report = ModelVerifier().verify(folder)
        XCTAssertEqual(report.manifestFiles, 1)
        XCTAssertTrue(report.problems.contains { $0.contains("SHA-256") }, "\(report.problems)")
        XCTAssertTrue(ModelVerifier(checksums: false).verify(folder).ok, "sizes alone cannot see a flipped byte")
    }

    func testMissingFolderSaysToPull() {
        let report = ModelVerifier().verify(folder + "/nope")
        XCTAssertTrue(report.problems.first?.contains("scrawl models pull") ?? false)
    }
}

final class ModelStoreSHA256Tests: XCTestCase {
    func testStreamingDigestMatchesSha256sumForAnySplit() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 55, 56, 63, 64, 65, 1000, 100_003] {
            let data = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let expected = ModelStoreHubServerForTests.sha256Hex(data)
            var whole = SHA256()
            data.withUnsafeBytes { whole.update($0) }
            XCTAssertEqual(whole.finalizeHex(), expected, "size \(size)")
            var pieces = SHA256()
            var offset = 0
            while offset < size {
                let n = min(size - offset, Int.random(in: 1...130))
                data.subdata(in: offset..<offset + n).withUnsafeBytes { pieces.update($0) }
                offset += n
            }
            XCTAssertEqual(pieces.finalizeHex(), expected, "size \(size) in pieces")
        }
    }
}

final class ModelStoreListingTests: XCTestCase {
    func testListingReportsPresenceSizeAndACachedCopy() throws {
        let root = ModelStoreCheckpointForTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let qwen = root + "/models/qwen"
        try FileManager.default.createDirectory(atPath: qwen, withIntermediateDirectories: true)
        var total: Int64 = 0
        for (name, data) in ModelStoreCheckpointForTests.files() {
            try data.write(to: URL(fileURLWithPath: qwen + "/" + name))
            total += Int64(data.count)
        }
        let cache = HubCacheLookup(environment: ["HF_HOME": root + "/hf"])
        let snapshot = cache.hubDirectory + "/models--CohereForAI--aya-vision-8b/snapshots/main"
        try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        for name in ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                     "model.safetensors.index.json"] {
            try ModelStoreCheckpointForTests.files()[name]!.write(to: URL(fileURLWithPath: snapshot + "/" + name))
        }
        let entries = ModelListing.entries(for: ModelRegistry(qwen: qwen, aya: root + "/models/aya"), cache: cache)
        XCTAssertEqual(entries.map(\.name), ["qwen", "aya"])
        XCTAssertTrue(entries[0].present)
        XCTAssertEqual(entries[0].bytes, total)
        XCTAssertNil(entries[0].cachedCopy)
        XCTAssertFalse(entries[1].present)
        XCTAssertEqual(entries[1].bytes, 0)
        XCTAssertEqual(entries[1].cachedCopy, snapshot)
    }
}
