import Foundation
import Imaging
import Inference
@testable import RemoteEngine
import XCTest

final class StreamParsingTests: XCTestCase {
    func testEventsSplitAnywhereAndEveryLineEnding() {
        let body = "data: {\"a\":1}\n\n: comment\r\ndata:x\r\ndata: y\r\n\r\nevent: ping\rdata: z\r\rdata: incomplete"
        // The same bytes fed whole and one byte at a time give the same events.
        var whole = ServerSentEvents()
        let all = whole.feed(Array(body.utf8))
        var bytewise = ServerSentEvents()
        let pieces = Array(body.utf8).flatMap { bytewise.feed([$0]) }
        XCTAssertEqual(all, ["{\"a\":1}", "x\ny", "z"])
        XCTAssertEqual(pieces, all)
    }

    func testChunksAddUpToTextFinishLogprobsAndUsage() throws {
        var stream = ChatCompletionStream()
        let events = [
            #"{"choices":[{"index":0,"delta":{"role":"assistant"}}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":{"content":[{"token":"Hel","logprob":-0.5}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"lo ✓"},"logprobs":{"content":[{"token":"lo","logprob":-0.25},{"token":" ✓","logprob":-1}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#,
            #"{"choices":[],"usage":{"prompt_tokens":40,"completion_tokens":3,"total_tokens":43}}"#,
            "[DONE]",
        ]
        var pieces: [String] = []
        for event in events {
            if case .content(let piece) = try stream.add(event: event, endpoint: "e") { pieces.append(piece) }
        }
        XCTAssertEqual(pieces, ["Hel", "lo ✓"])
        XCTAssertEqual(stream.text, "Hello ✓")
        XCTAssertEqual(stream.finishReason, "length")
        XCTAssertEqual(stream.logprobs, [-0.5, -0.25, -1])
        XCTAssertEqual(stream.promptTokens, 40)
        XCTAssertEqual(stream.completionTokens, 3)
        XCTAssertTrue(stream.done && stream.isComplete)
        XCTAssertEqual(RemoteEngine.finishReason(stream.finishReason), .maxTokens)
        XCTAssertEqual(RemoteEngine.finishReason("stop"), .eos)
    }

    func testErrorEventAndGarbageAreBadResponses() {
        var stream = ChatCompletionStream()
        XCTAssertThrowsError(try stream.add(event: #"{"error": "CUDA out of memory"}"#, endpoint: "http://h/v1")) { error in
            XCTAssertEqual(error as? RemoteEngineError,
                           .badResponse(endpoint: "http://h/v1", reason: "the server stopped with an error: CUDA out of memory"))
            XCTAssertTrue((error as? RemoteEngineError)?.keepsScanQueued == true)
        }
        XCTAssertThrowsError(try stream.add(event: "<html>", endpoint: "e"))
        XCTAssertFalse(stream.isComplete)
    }

    func testServerMessagesAreFoundInEveryErrorShape() {
        XCTAssertEqual(ChatCompletionStream.message(ofBody: Array(#"{"error":{"message":"image too large","type":"invalid_request_error"}}"#.utf8)),
                       "image too large")
        XCTAssertEqual(ChatCompletionStream.message(ofBody: Array(#"{"detail":"Unexpected keys in the request: {'x'}"}"#.utf8)),
                       "Unexpected keys in the request: {'x'}")
        XCTAssertEqual(ChatCompletionStream.message(ofBody: Array("Bad Gateway\n".utf8)), "Bad Gateway")
    }

    func testStatusClassification() {
        func classify(_ status: Int) -> RemoteEngineError { .forStatus(status, endpoint: "e", model: "m", message: "x") }
        for status in [408, 429, 500, 502, 503, 504] {
            XCTAssertTrue(classify(status).keepsScanQueued && classify(status).endpointDown, "\(status)")
        }
        for status in [401, 403, 404] {
            XCTAssertTrue(classify(status).keepsScanQueued, "\(status): a wrong key or model is the configuration's fault")
            XCTAssertFalse(classify(status).endpointDown, "\(status)")
        }
        for status in [400, 413, 415, 422] {
            XCTAssertFalse(classify(status).keepsScanQueued, "\(status): the request itself is wrong, the scan fails")
        }
        XCTAssertEqual("\(classify(400))", "e refuses the request (400): x")
    }

    func testEndpointURLsAreCheckedAndShownWithoutCredentials() throws {
        XCTAssertNil(RemoteEndpoint.problem(withURL: "http://gpu-box:8000/v1"))
        XCTAssertNil(RemoteEndpoint.problem(withURL: "https://[::1]/v1"))
        XCTAssertEqual(RemoteEndpoint.problem(withURL: "ftp://h/v1"), "the scheme must be http or https, not ftp")
        XCTAssertTrue(RemoteEndpoint.problem(withURL: "http://user:secret@h/v1")?.contains("api_key_file") == true)
        XCTAssertNotNil(RemoteEndpoint.problem(withURL: "http:///v1"))
        XCTAssertNotNil(RemoteEndpoint.problem(withURL: "http://h/v1?key=1"))
        let endpoint = RemoteEndpoint(url: try XCTUnwrap(URL(string: "http://gpu-box:8000/v1/")), model: "m")
        XCTAssertEqual(endpoint.url(appending: "chat/completions").absoluteString, "http://gpu-box:8000/v1/chat/completions")
        XCTAssertEqual(endpoint.displayURL, "http://gpu-box:8000/v1/")
    }

    func testAPIKeyFromFileOrCredentialNeverPrinted() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "sk-secret-123\nsecond line\n".write(to: dir.appendingPathComponent("k"), atomically: true, encoding: .utf8)
        let fromFile = try XCTUnwrap(try APIKey.load(.file(path: dir.path + "/k")))
        XCTAssertEqual(fromFile.value, "sk-secret-123")
        XCTAssertFalse("\(fromFile) \(String(reflecting: fromFile))".contains("secret"))
        let fromCredential = try XCTUnwrap(try APIKey.load(.credential(name: "k"), environment: ["CREDENTIALS_DIRECTORY": dir.path]))
        XCTAssertEqual(fromCredential.value, "sk-secret-123")
        XCTAssertNil(try APIKey.load(.none))
        XCTAssertThrowsError(try APIKey.load(.credential(name: "k"), environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("LoadCredential=k:"), "\(error)")
        }
        try "\n".write(to: dir.appendingPathComponent("empty"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try APIKey.load(.file(path: dir.path + "/empty"))) { error in
            XCTAssertTrue("\(error)".contains("is empty"), "\(error)")
        }
        XCTAssertThrowsError(try APIKey.load(.file(path: dir.path + "/none")))
    }

    func testImageIsResizedToTheLocalGridAndSentLosslessly() throws {
        let engine = try RemoteEngine(endpoint: RemoteEndpoint(url: try XCTUnwrap(URL(string: "http://127.0.0.1:9/v1")), model: "m"))
        var pixels = [UInt8](repeating: 0, count: 100 * 61 * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i &* 7) }
        let image = RGBImage(width: 100, height: 61, pixels: pixels)
        let sent = try engine.prepare(image, maxPixels: 3136 * 2)
        let expected = try SmartResize.size(height: 61, width: 100, factor: 28, minPixels: 3136, maxPixels: 3136 * 2)
        XCTAssertEqual([sent.height, sent.width], [expected.height, expected.width])
        XCTAssertTrue(sent == BicubicResampler.resize(image, width: expected.width, height: expected.height))
        // Already on the grid and within budget: sent as is.
        let onGrid = RGBImage(width: 84, height: 56, pixels: [UInt8](repeating: 9, count: 84 * 56 * 3))
        XCTAssertTrue(try engine.prepare(onGrid, maxPixels: 1_000_000) == onGrid)
        // The PNG decodes back to the same pixels.
        let png = try PNGEncoder.encode(sent)
        XCTAssertTrue(try ImageDecoder.decode(data: png).image == sent)
    }
}

/// A stream llama.cpp's llama-server really sent for the remote engine's request (recorded by
/// scripts/reference/record_llama_server_stream.py: the tiny Qwen2-VL checkpoint as GGUF, llama.cpp
/// 0c1e570). Its log-prob entries are llama.cpp's `probs_vector_to_json` (tools/server/server-task.cpp):
/// `{"id", "token", "bytes", "logprob", "top_logprobs": [...]}` in `choices[0].logprobs.content`,
/// one entry per token, with a token id the OpenAI shape does not have.
final class LlamaServerStreamTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/remote/llama-server-stream.txt").standardized

    func testLogprobsAndTokenIDsOfARecordedLlamaServerStream() throws {
        let body = try [UInt8](Data(contentsOf: Self.fixture))
        var events = ServerSentEvents()
        var stream = ChatCompletionStream()
        var pieces: [String] = []
        // In pieces of 7 bytes: events and JSON split anywhere, as they come off a socket.
        for start in stride(from: 0, to: body.count, by: 7) {
            for data in events.feed(body[start..<min(start + 7, body.count)]) {
                if case .content(let piece) = try stream.add(event: data, endpoint: "http://127.0.0.1/v1") { pieces.append(piece) }
            }
        }
        XCTAssertEqual(pieces, [" Darren", "opolitan", "(This", "垒"])
        XCTAssertEqual(stream.text, " Darrenopolitan(This垒")
        XCTAssertEqual(stream.tokenIDs, [56990, 84909, 37157, 101830])
        XCTAssertEqual(stream.logprobs, [-1.4418668746948242, -3.659087657928467, -4.0997748374938965, -5.228876113891602])
        XCTAssertEqual(stream.finishReason, "length")
        XCTAssertEqual(stream.completionTokens, 4)
        XCTAssertEqual(stream.promptTokens, 38)
        XCTAssertTrue(stream.done)
    }

    func testTheUsageChunkAfterTheFinishChunkIsReadWhenTheyArriveTogether() throws {
        // A fast server's finish chunk, usage chunk and [DONE] come off the socket in one piece.
        var events = ServerSentEvents()
        var stream = ChatCompletionStream()
        var counts: [Int] = []
        let body = try [UInt8](Data(contentsOf: Self.fixture)) + Array("data: not json after the end\n\n".utf8)
        try stream.add(events: events.feed(body), endpoint: "e") { _, chunks in counts.append(chunks) }
        XCTAssertEqual(counts, [1, 2, 3, 4])
        XCTAssertEqual(stream.finishReason, "length")
        XCTAssertEqual(stream.promptTokens, 38, "the usage chunk after the finish chunk")
        XCTAssertEqual(stream.completionTokens, 4)
        XCTAssertTrue(stream.done, "and nothing after [DONE] is read")
    }

    func testTokenIDsOnlyWhenEveryLogprobHasOne() throws {
        var stream = ChatCompletionStream()
        _ = try stream.add(event: #"{"choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"id":7,"token":"a","logprob":-0.5}]}}]}"#,
                           endpoint: "e")
        XCTAssertEqual(stream.tokenIDs, [7])
        _ = try stream.add(event: #"{"choices":[{"index":0,"delta":{"content":"b"},"logprobs":{"content":[{"token":"b","logprob":-1}]}}]}"#,
                           endpoint: "e")
        XCTAssertEqual(stream.logprobs, [-0.5, -1])
        XCTAssertEqual(stream.tokenIDs, [], "ids that do not line up with the log-probs are not given")
    }

    func testTheRequestAsksForLogprobsWithOneAlternative() throws {
        let json = try ChatRequestBody.json(model: "m", png: [1, 2, 3], request: OCRRequest(prompt: "p", maxNewTokens: 9, greedy: true))
        let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(body["logprobs"] as? Bool, true)
        XCTAssertEqual(body["top_logprobs"] as? Int, 1, "llama-server sends 20 alternatives a token without it, none at 0")
        XCTAssertEqual(body["temperature"] as? Int, 0)
        XCTAssertEqual(body["stream"] as? Bool, true)
        XCTAssertEqual(body["max_tokens"] as? Int, 9)
    }
}
