import Foundation
import Imaging
import Inference
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An OCREngine that sends each image to an OpenAI-compatible server (`POST /chat/completions`,
/// streamed) and returns the text it answers. The image is resized here first, with the same
/// smart-resize rule and pixel budget the local Qwen2-VL engine uses, and sent as a lossless PNG, so
/// the server's processor gets the pixels the local engine would see and resizes no further.
///
/// Stateless between reads: several threads may read at once (up to `max_in_flight`).
public final class RemoteEngine: OCREngine, @unchecked Sendable {
    public let endpoint: RemoteEndpoint
    private let apiKey: APIKey?

    public var modelName: String { endpoint.model }
    public var identity: EngineIdentity { .remote(endpoint: endpoint.displayURL, model: endpoint.model) }

    /// The pixel budget when a request sets none: Qwen2-VL's preprocessor_config.json default.
    public static let fallbackMaxPixels = 12_845_056

    /// Reads the API key (never kept anywhere but here, never printed).
    public init(endpoint: RemoteEndpoint, environment: [String: String] = ProcessInfo.processInfo.environment) throws(RemoteEngineError) {
        self.endpoint = endpoint
        self.apiKey = try APIKey.load(endpoint.apiKey, environment: environment)
    }

    /// The image as it is sent: resized to the smart-resize grid within the request's pixel budget.
    public func prepare(_ image: RGBImage, maxPixels: Int?) throws -> RGBImage {
        let size: (height: Int, width: Int)
        do {
            size = try SmartResize.size(height: image.height, width: image.width, factor: endpoint.imageFactor,
                                        minPixels: endpoint.minPixels, maxPixels: maxPixels ?? Self.fallbackMaxPixels)
        } catch {
            throw OCRError.imageRejected(reason: "\(error)")
        }
        guard size.width != image.width || size.height != image.height else { return image }
        return BicubicResampler.resize(image, width: size.width, height: size.height)
    }

    public func read(_ image: RGBImage, request: OCRRequest, onEvent: (OCREvent) -> Void) throws -> OCRResult {
        let started = ContinuousClock.now
        try request.cancellation?.check()
        let sent = try prepare(image, maxPixels: request.maxPixels)
        let png: [UInt8]
        do { png = try PNGEncoder.encode(sent) } catch { throw OCRError.imageRejected(reason: "\(error)") }
        var timings = OCRTimings()
        timings.preprocessMs = Self.ms(since: started)
        let grid = endpoint.imageFactor * endpoint.imageFactor
        onEvent(.preprocessed(width: sent.width, height: sent.height, imageTokens: sent.width * sent.height / grid, promptTokens: 0))

        var http = URLRequest(url: endpoint.url(appending: "chat/completions"))
        http.httpMethod = "POST"
        http.httpBody = try ChatRequestBody.json(model: endpoint.model, png: png, request: request)
        http.setValue("application/json", forHTTPHeaderField: "Content-Type")
        http.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        if let apiKey { http.setValue("Bearer " + apiKey.value, forHTTPHeaderField: "Authorization") }

        let where_ = endpoint.displayURL
        var events = ServerSentEvents()
        var stream = ChatCompletionStream()
        var rawBody: [UInt8] = []
        var sawEvent = false
        var firstContent: ContinuousClock.Instant?
        let requestStarted = ContinuousClock.now
        let exchange = HTTPExchange(endpoint: where_, idleTimeoutS: endpoint.timeoutS, cancellation: request.cancellation)
        let outcome = try exchange.run(http) { bytes in
            if !sawEvent && rawBody.count < 16 << 20 { rawBody += bytes }
            let batch = events.feed(bytes)
            if !batch.isEmpty { sawEvent = true }
            try stream.add(events: batch, endpoint: where_) { piece, chunks in
                if firstContent == nil {
                    firstContent = .now
                    onEvent(.prefillDone)
                }
                onEvent(.token(id: -1, text: piece, count: chunks))
            }
        }
        guard let status = outcome.status else {
            throw RemoteEngineError.unreachable(endpoint: where_, reason: outcome.transportError.map(HTTPExchange.describe) ?? "no answer")
        }
        guard status == 200 else {
            throw RemoteEngineError.forStatus(status, endpoint: where_, model: endpoint.model,
                                              message: ChatCompletionStream.message(ofBody: outcome.errorBody))
        }
        // A server that ignored stream: true answers with one JSON object.
        if !sawEvent, !rawBody.isEmpty, outcome.transportError == nil {
            _ = try stream.add(event: String(decoding: rawBody, as: UTF8.self), endpoint: where_)
        }
        guard stream.isComplete else { throw RemoteEngineError.streamCut(endpoint: where_, afterChunks: stream.contentChunks) }

        let end = ContinuousClock.now
        timings.prefillMs = Self.ms(from: requestStarted, to: firstContent ?? end)
        timings.generateMs = Self.ms(from: firstContent ?? end, to: end)
        timings.totalMs = Self.ms(since: started)
        let count = stream.completionTokens ?? (stream.logprobs.isEmpty ? stream.contentChunks : stream.logprobs.count)
        return OCRResult(text: stream.text, tokens: stream.tokenIDs, tokenCount: count, logprobs: stream.logprobs,
                         promptTokens: stream.promptTokens ?? 0, finishReason: Self.finishReason(stream.finishReason),
                         timings: timings, processedWidth: sent.width, processedHeight: sent.height)
    }

    /// `GET /models`: the model names the server lists.
    public func servedModels(timeoutS: Int = 15) throws -> [String] {
        var http = URLRequest(url: endpoint.url(appending: "models"))
        http.httpMethod = "GET"
        if let apiKey { http.setValue("Bearer " + apiKey.value, forHTTPHeaderField: "Authorization") }
        var body: [UInt8] = []
        let exchange = HTTPExchange(endpoint: endpoint.displayURL, idleTimeoutS: min(timeoutS, endpoint.timeoutS))
        let outcome = try exchange.run(http) { bytes in if body.count < 16 << 20 { body += bytes } }
        guard let status = outcome.status else {
            throw RemoteEngineError.unreachable(endpoint: endpoint.displayURL,
                                                reason: outcome.transportError.map(HTTPExchange.describe) ?? "no answer")
        }
        guard status == 200 else {
            throw RemoteEngineError.forStatus(status, endpoint: endpoint.displayURL, model: endpoint.model,
                                              message: ChatCompletionStream.message(ofBody: outcome.errorBody))
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let data = object["data"] as? [[String: Any]] else {
            throw RemoteEngineError.badResponse(endpoint: endpoint.displayURL, reason: "GET /models did not return {\"data\": [...]}")
        }
        return data.compactMap { $0["id"] as? String }
    }

    static func finishReason(_ reason: String?) -> FinishReason {
        reason == "length" ? .maxTokens : .eos
    }

    private static func ms(since start: ContinuousClock.Instant) -> Double { ms(from: start, to: .now) }

    private static func ms(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        let d = (end - start).components
        return Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15
    }
}
