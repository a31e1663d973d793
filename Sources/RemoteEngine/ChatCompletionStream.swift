import Foundation

/// What the chunks of a streamed chat completion add up to: the text, the finish reason, per-token
/// log-probs when the server sends them (with token ids where it adds them, as llama.cpp's
/// llama-server does), and the token counts from a final `usage` chunk.
public struct ChatCompletionStream: Sendable, Equatable {
    public private(set) var text = ""
    /// The `finish_reason` of the choice (`stop`, `length`, …), once sent.
    public private(set) var finishReason: String?
    /// True after `data: [DONE]`.
    public private(set) var done = false
    public private(set) var logprobs: [Float] = []
    /// The token id of each entry of `logprobs`, when the server sent one with every entry
    /// (llama-server's `"id"`, an extension of the OpenAI shape); empty otherwise.
    public var tokenIDs: [Int] { idsOfEveryLogprob ? ids : [] }
    private var ids: [Int] = []
    private var idsOfEveryLogprob = true
    public private(set) var promptTokens: Int?
    public private(set) var completionTokens: Int?
    /// Chunks that carried content.
    public private(set) var contentChunks = 0

    public init() {}

    /// A finish reason or `[DONE]` arrived: the answer is complete.
    public var isComplete: Bool { done || finishReason != nil }

    /// One piece of the answer.
    public enum Piece: Equatable, Sendable {
        case content(String)
        case none
    }

    /// Folds in one event's data. Throws `badResponse` for data that is not a chunk, and for an
    /// error event (`{"error": …}`) the server sends instead of the rest of the stream.
    public mutating func add(event data: String, endpoint: String) throws(RemoteEngineError) -> Piece {
        if data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            done = true
            return .none
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] else {
            throw .badResponse(endpoint: endpoint, reason: "a stream event is not a JSON object: \(data.prefix(200))")
        }
        if let error = object["error"] {
            throw .badResponse(endpoint: endpoint, reason: "the server stopped with an error: \(Self.message(of: error))")
        }
        if let usage = object["usage"] as? [String: Any] {
            promptTokens = (usage["prompt_tokens"] as? NSNumber)?.intValue ?? promptTokens
            completionTokens = (usage["completion_tokens"] as? NSNumber)?.intValue ?? completionTokens
        }
        guard let choices = object["choices"] as? [[String: Any]], let choice = choices.first else { return .none }
        if let reason = choice["finish_reason"] as? String { finishReason = reason }
        if let content = (choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]] {
            for entry in content {
                guard let logprob = (entry["logprob"] as? NSNumber)?.floatValue else { continue }
                logprobs.append(logprob)
                if let id = (entry["id"] as? NSNumber)?.intValue { ids.append(id) } else { idsOfEveryLogprob = false }
            }
        }
        // A streamed chunk has `delta`; a whole (non-streamed) answer has `message`.
        let part = (choice["delta"] as? [String: Any]) ?? (choice["message"] as? [String: Any])
        guard let piece = part?["content"] as? String, !piece.isEmpty else { return .none }
        text += piece
        contentChunks += 1
        return .content(piece)
    }

    /// Folds in the events of one piece of the body in order, calling `onContent` with each content
    /// piece and the content chunks so far; events after `[DONE]` are ignored. The finish chunk, the
    /// usage chunk after it and `[DONE]` often arrive in one piece: every one of them is read.
    public mutating func add(events: [String], endpoint: String,
                             onContent: (_ piece: String, _ chunks: Int) -> Void) throws(RemoteEngineError) {
        for data in events where !done {
            if case .content(let piece) = try add(event: data, endpoint: endpoint) { onContent(piece, contentChunks) }
        }
    }

    /// The server's own words from an error body or event: `{"error": {"message": …}}`,
    /// `{"error": "…"}`, `{"detail": …}` (FastAPI), or the text itself.
    public static func message(of value: Any) -> String {
        switch value {
        case let string as String: return string
        case let object as [String: Any]:
            for key in ["error", "message", "detail"] {
                if let inner = object[key] { return message(of: inner) }
            }
        case let array as [Any]: return array.map(message(of:)).joined(separator: "; ")
        default: break
        }
        if JSONSerialization.isValidJSONObject(value), let data = try? JSONSerialization.data(withJSONObject: value) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }

    /// The message of an error response body (JSON or plain text), cut to a readable length.
    public static func message(ofBody body: [UInt8]) -> String {
        let text: String
        if let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) {
            text = message(of: object)
        } else {
            text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return text.count > 500 ? String(text.prefix(500)) + "…" : text
    }
}
