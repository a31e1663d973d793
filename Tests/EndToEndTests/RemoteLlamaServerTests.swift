import Foundation
import Glibc
import XCTest

/// `scrawl serve` and `scrawl ocr` against llama.cpp's real `llama-server` on loopback, serving the
/// tiny Qwen2-VL checkpoint converted to GGUF: the one server reachable here that streams per-token
/// log-probs (with token ids). Optional, as llama.cpp takes ~30 min to build on two cores: it runs
/// when `SCRAWL_LLAMA_SERVER` names a llama-server binary (its libraries beside it) and
/// `SCRAWL_LLAMA_CPP` a llama.cpp source tree (for convert_hf_to_gguf.py), with
/// `SCRAWL_REFERENCE_PYTHON` for the conversion (scripts/reference/record_llama_server_stream.py).
final class RemoteLlamaServerTests: XCTestCase {
    static let modelName = "tiny-qwen2vl"

    private func startLlamaServer() throws -> (url: String, process: Process) {
        let env = ProcessInfo.processInfo.environment
        guard let binary = env["SCRAWL_LLAMA_SERVER"], let source = env["SCRAWL_LLAMA_CPP"] else {
            throw XCTSkip("SCRAWL_LLAMA_SERVER and SCRAWL_LLAMA_CPP are not set (an optional test: llama.cpp is not built in CI)")
        }
        let python = try RemoteServer.python()
        let dir = NSTemporaryDirectory() + "scrawl-gguf-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let convert = Process()
        convert.executableURL = URL(fileURLWithPath: python)
        convert.arguments = [RemoteServer.scripts + "/record_llama_server_stream.py", "--llama-cpp", source, "--gguf-only", dir]
        try convert.run(logTo: dir + ".convert.log")
        convert.waitUntilExit()
        XCTAssertEqual(convert.terminationStatus, 0, (try? String(contentsOfFile: dir + ".convert.log", encoding: .utf8)) ?? "")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir + ".convert.log") }

        let port = try freeLoopbackPort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["-m", dir + "/tiny-f32.gguf", "--mmproj", dir + "/mmproj-tiny-f32.gguf", "--host", "127.0.0.1",
                            "--port", "\(port)", "-t", "1", "-c", "4096", "--no-warmup", "--alias", Self.modelName]
        var serverEnv = env
        serverEnv["LD_LIBRARY_PATH"] = (binary as NSString).deletingLastPathComponent
        server.environment = serverEnv
        try server.run(logTo: dir + ".server.log")
        addTeardownBlock {
            if server.isRunning { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
            try? FileManager.default.removeItem(atPath: dir + ".server.log")
        }
        let url = "http://127.0.0.1:\(port)/v1"
        try waitUntilAnswering(url + "/models", timeout: 120, process: server)
        return (url, server)
    }

    func testLogprobsAndTokenIDsComeThroughAndTheSidecarNamesTheServer() throws {
        let (url, _) = try startLlamaServer()
        let harness = try ServeHarness.remote(url: url, maxInFlight: 2, timeoutS: 120)
        let config = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        try Data(config.replacingOccurrences(of: "model = \"\(ServeHarness.checkpoint)\"", with: "model = \"\(Self.modelName)\"").utf8)
            .write(to: URL(fileURLWithPath: harness.configPath))

        // `scrawl ocr --json`: one log-prob and one token id per generated token, the usage's counts.
        let (status, output) = try harness.scrawl(["ocr", "--model", "gpu", "--greedy", "--json", "--max-tokens", "6",
                                                   ServeHarness.fixture("qwen2vl/images/tiny.png")])
        XCTAssertEqual(status, 0, output)
        let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        let logprobs = try XCTUnwrap(line["logprobs"] as? [Double], "\(line)")
        let ids = try XCTUnwrap(line["tokens"] as? [Int], "\(line)")
        XCTAssertEqual(logprobs.count, 6, "\(line)")
        XCTAssertEqual(ids.count, 6, "\(line)")
        XCTAssertTrue(logprobs.allSatisfy { $0 <= 0 }, "\(logprobs)")
        XCTAssertTrue(ids.allSatisfy { (0..<151_936).contains($0) }, "\(ids)")
        XCTAssertGreaterThan(line["prompt_tokens"] as? Int ?? 0, 0, "usage.prompt_tokens (after the finish chunk) is read: \(line)")
        XCTAssertEqual(line["finish_reason"] as? String, "max_tokens")

        // `scrawl serve`: the sidecar names the server, counts the tokens; it records no log-probs.
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "note.png")
        let json = try harness.sidecar(scan, timeout: 120)
        XCTAssertNil(json["error"], "\(json)")
        let model = try XCTUnwrap(json["model"] as? [String: Any])
        XCTAssertEqual(model["endpoint"] as? String, url)
        XCTAssertEqual(model["name"] as? String, Self.modelName)
        // The usage's completion_tokens: all 24 asked for, unless the model ended first.
        let tokens = try XCTUnwrap(json["tokens"] as? Int, "\(json)")
        XCTAssertTrue((1...24).contains(tokens), "\(json)")
        if json["finish_reason"] as? String == "max_tokens" { XCTAssertEqual(tokens, 24) }
        print("remote llama-server sidecar: \(String(data: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), encoding: .utf8) ?? "")")
        try assertEachReadOnce([scan], harness: harness)
        XCTAssertEqual(try harness.stop(), 0)
    }
}
