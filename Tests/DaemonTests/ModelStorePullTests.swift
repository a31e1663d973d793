import Foundation
import XCTest
@testable import Daemon

final class ModelStorePullTests: XCTestCase {
    private var folders: [String] = []

    override func tearDown() {
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
    }

    private func setUp(files: [String: Data] = ModelStoreCheckpointForTests.files(), environment: [String: String] = [:])
        throws -> (ModelStoreHubServerForTests, ModelPuller, String) {
        let server = try ModelStoreHubServerForTests(repo: ModelStoreCheckpointForTests.repo, files: files)
        let root = ModelStoreCheckpointForTests.temporaryFolder()
        folders.append(root)
        var env = ["HF_ENDPOINT": server.endpoint, "HF_HOME": root + "/hf-home"]
        env.merge(environment) { $1 }
        var puller = ModelPuller(environment: env)
        puller.showProgress = false
        puller.retryDelay = 0.05
        puller.log = { _ in }
        return (server, puller, root + "/models/tiny")
    }

    private func repo() throws -> ModelRepository { try ModelRepository(ModelStoreCheckpointForTests.repo) }

    private func assertInstalled(_ dest: String, file: StaticString = #filePath, line: UInt = #line) {
        let expected = ModelStoreCheckpointForTests.files()
        for name in ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                     "model.safetensors.index.json", "tokenizer.json"] {
            XCTAssertEqual(FileManager.default.contents(atPath: dest + "/" + name), expected[name], name, file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dest + "/" + name + ".incomplete"), file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest + "/pytorch_model.bin"), "other weight formats are skipped",
                       file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest + "/.gitattributes"), file: file, line: line)
    }

    func testPullDownloadsVerifiesAndRecordsAManifest() throws {
        let (server, puller, dest) = try setUp()
        let outcome = try puller.pull(try repo(), into: dest)
        guard case .downloaded(let path, let files, let bytes) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(path, dest)
        XCTAssertEqual(files, 5)
        XCTAssertGreaterThan(bytes, 8000)
        assertInstalled(dest)
        let manifest = try XCTUnwrap(ModelManifest.load(from: dest))
        XCTAssertEqual(manifest.repository, ModelStoreCheckpointForTests.repo)
        XCTAssertEqual(manifest.files.first { $0.name == "model-00002-of-00002.safetensors" }?.sha256,
                       ModelStoreHubServerForTests.sha256Hex(ModelStoreCheckpointForTests.files()["model-00002-of-00002.safetensors"]!))
        XCTAssertTrue(server.requests.contains { $0.path.hasPrefix("/api/models/tiny-org/tiny-ocr/revision/main?blobs=true") })
        XCTAssertTrue(ModelVerifier().verify(dest).ok)

        // A second pull finds everything in place and transfers nothing.
        let before = server.requests.count
        guard case .downloaded(_, _, let again) = try puller.pull(try repo(), into: dest) else { return XCTFail() }
        XCTAssertEqual(again, 0)
        XCTAssertEqual(server.requests.count, before + 1, "only the listing is fetched again")
    }

    func testDroppedConnectionIsResumedWithRange() throws {
        let (server, puller, dest) = try setUp()
        let shard = "model-00001-of-00002.safetensors"
        server.dropConnectionHalfwayOnce(shard)
        _ = try puller.pull(try repo(), into: dest)
        assertInstalled(dest)
        let shardRequests = server.requests.filter { $0.path.hasSuffix(shard) }
        XCTAssertEqual(shardRequests.count, 2, "\(shardRequests)")
        XCTAssertNil(shardRequests[0].range)
        let half = ModelStoreCheckpointForTests.files()[shard]!.count / 2
        XCTAssertEqual(shardRequests[1].range, "bytes=\(half)-", "resumes exactly where the connection broke")
    }

    func testResumeSurvivesTheHubsRedirectToItsCDN() throws {
        let (server, puller, dest) = try setUp()
        server.redirectDownloads()
        server.dropConnectionHalfwayOnce("model-00002-of-00002.safetensors")
        _ = try puller.pull(try repo(), into: dest)
        assertInstalled(dest)
        let blobRanges = server.requests.filter { $0.path == "/blobs/model-00002-of-00002.safetensors" }.map(\.range)
        XCTAssertEqual(blobRanges.count, 2)
        XCTAssertNotNil(blobRanges[1], "the Range header must survive the redirect")
    }

    func testServerErrorIsRetried() throws {
        let (server, puller, dest) = try setUp()
        server.answer503Once("config.json")
        _ = try puller.pull(try repo(), into: dest)
        assertInstalled(dest)
        XCTAssertEqual(server.requests.filter { $0.path.hasSuffix("/config.json") }.count, 2)
    }

    func testPartialFileFromAnEarlierRunIsContinued() throws {
        let (server, puller, dest) = try setUp()
        let shard = "model-00002-of-00002.safetensors"
        let data = ModelStoreCheckpointForTests.files()[shard]!
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
        try data.prefix(1000).write(to: URL(fileURLWithPath: dest + "/" + shard + ".incomplete"))
        _ = try puller.pull(try repo(), into: dest)
        assertInstalled(dest)
        XCTAssertEqual(server.requests.filter { $0.path.hasSuffix(shard) }.map(\.range), ["bytes=1000-"])
    }

    func testWrongChecksumIsAClearErrorAndNothingIsInstalled() throws {
        let (server, puller, dest) = try setUp()
        let shard = "model-00001-of-00002.safetensors"
        server.advertise(sha256: String(repeating: "ab", count: 32), for: shard)
        XCTAssertThrowsError(try puller.pull(try repo(), into: dest)) { error in
            guard case .checksumMismatch(let file, let expected, _) = error as? ModelStoreError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(file, shard)
            XCTAssertEqual(expected, String(repeating: "ab", count: 32))
            XCTAssertTrue("\(error)".contains("SHA-256"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest + "/" + shard))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest + "/" + shard + ".incomplete"))
        XCTAssertNil(ModelManifest.load(from: dest), "no manifest for a failed pull")
    }

    func testGatedModelExplainsHF_TOKENAndTheTokenIsSent() throws {
        let (server, puller, dest) = try setUp()
        server.require(token: "hf_secret")
        XCTAssertThrowsError(try puller.pull(try repo(), into: dest)) { error in
            XCTAssertEqual(error as? ModelStoreError, .gated(repo: ModelStoreCheckpointForTests.repo, status: 401, tokenSet: false))
            XCTAssertTrue("\(error)".contains("HF_TOKEN"), "\(error)")
        }
        var withToken = puller
        withToken.token = "hf_secret"
        _ = try withToken.pull(try repo(), into: dest)
        assertInstalled(dest)
        XCTAssertTrue(server.requests.suffix(3).allSatisfy { $0.authorization == "Bearer hf_secret" })
    }

    func testUnknownRepositoryIsNotFound() throws {
        let (server, puller, dest) = try setUp()
        XCTAssertThrowsError(try puller.pull(try ModelRepository("nobody/nothing"), into: dest)) { error in
            guard case .notFound = error as? ModelStoreError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(server.requests.count, 1)
    }

    func testCompleteHubCacheSnapshotIsUsedInPlace() throws {
        let (server, puller, dest) = try setUp()
        let hub = puller.cache.hubDirectory + "/models--tiny-org--tiny-ocr"
        let commit = String(repeating: "d", count: 40)
        let snapshot = hub + "/snapshots/" + commit
        try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: hub + "/refs", withIntermediateDirectories: true)
        try Data(commit.utf8).write(to: URL(fileURLWithPath: hub + "/refs/main"))
        for (name, data) in ModelStoreCheckpointForTests.files() {
            try data.write(to: URL(fileURLWithPath: snapshot + "/" + name))
        }
        XCTAssertEqual(try puller.pull(try repo(), into: dest), .foundInCache(path: snapshot))
        XCTAssertEqual(server.requests, [], "nothing downloaded")
        XCTAssertTrue(ModelVerifier().verify(snapshot).ok)

        // An incomplete snapshot (a shard missing) is not used.
        try FileManager.default.removeItem(atPath: snapshot + "/model-00002-of-00002.safetensors")
        guard case .downloaded = try puller.pull(try repo(), into: dest) else { return XCTFail("expected a download") }
    }

    func testRepositoryNames() throws {
        XCTAssertEqual(try ModelRepository("qwen").id, "prithivMLmods/Qwen2-VL-OCR-2B-Instruct")
        XCTAssertEqual(try ModelRepository("aya").id, "CohereForAI/aya-vision-8b")
        XCTAssertEqual(try ModelRepository("CohereForAI/aya-vision-8b").alias, "aya")
        XCTAssertEqual(try ModelRepository("org/name").cacheFolderName, "models--org--name")
        for bad in ["", "qwen2", "a/b/c", "../etc", "org/..", "org/na me"] {
            XCTAssertThrowsError(try ModelRepository(bad), bad)
        }
    }
}
