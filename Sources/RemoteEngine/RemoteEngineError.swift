/// Why a remote read did not produce text, sorted by what the daemon does with the scan:
/// `keepsScanQueued` — the server or the way to it is at fault (down, overloaded, cut, stalled,
/// refusing the key, not serving the model): the scan waits in the queue and is tried again with
/// backoff; otherwise (`rejected`) the request itself is wrong for this scan and the scan fails
/// with the server's message.
public enum RemoteEngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No answer: connection refused, DNS failure, TLS error, network down, a timeout while connecting.
    case unreachable(endpoint: String, reason: String)
    /// 5xx, 429 or 408: the server cannot answer now.
    case unavailable(endpoint: String, status: Int, message: String)
    /// The stream ended before a finish reason or `[DONE]`.
    case streamCut(endpoint: String, afterChunks: Int)
    /// No byte for `seconds` (timeout_s).
    case stalled(endpoint: String, seconds: Int)
    /// The stream or body was not what the API sends (not JSON, an error event in the stream).
    case badResponse(endpoint: String, reason: String)
    /// 401 or 403: the API key is missing or wrong.
    case unauthorized(endpoint: String, status: Int, message: String)
    /// 404: the URL is not an OpenAI-compatible API, or the server does not serve the model.
    case notFound(endpoint: String, model: String, message: String)
    /// The key file or credential cannot be read.
    case apiKey(path: String, reason: String)
    /// Another 4xx: the server refuses this request (an image it cannot take, a prompt too long).
    case rejected(endpoint: String, status: Int, message: String)

    /// True when the scan is not at fault: it stays queued and is retried later.
    public var keepsScanQueued: Bool {
        if case .rejected = self { return false }
        return true
    }

    /// True when the endpoint is down or failing (rather than configured wrongly).
    public var endpointDown: Bool {
        switch self {
        case .unreachable, .unavailable, .streamCut, .stalled, .badResponse: return true
        case .unauthorized, .notFound, .apiKey, .rejected: return false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason):
            return "\(endpoint) cannot be reached: \(reason)"
        case .unavailable(let endpoint, let status, let message):
            return "\(endpoint) answers \(status)\(message.isEmpty ? "" : ": \(message)")"
        case .streamCut(let endpoint, let chunks):
            return "\(endpoint) closed the stream after \(chunks) chunk(s), before the end of the answer"
        case .stalled(let endpoint, let seconds):
            return "\(endpoint) sent nothing for \(seconds) s (timeout_s): the request was given up"
        case .badResponse(let endpoint, let reason):
            return "\(endpoint) sent an answer that is not the OpenAI API's: \(reason)"
        case .unauthorized(let endpoint, let status, let message):
            return "\(endpoint) refuses the API key (\(status)\(message.isEmpty ? "" : ": \(message)")): check api_key_file or api_key_credential"
        case .notFound(let endpoint, let model, let message):
            return "\(endpoint) answers 404 for model '\(model)'\(message.isEmpty ? "" : ": \(message)"): check url (it ends in /v1 for most servers) and model"
        case .apiKey(let path, let reason):
            return "API key \(path): \(reason)"
        case .rejected(let endpoint, let status, let message):
            return "\(endpoint) refuses the request (\(status))\(message.isEmpty ? "" : ": \(message)")"
        }
    }

    /// The classification of an HTTP status that is not 200, with the server's message.
    static func forStatus(_ status: Int, endpoint: String, model: String, message: String) -> RemoteEngineError {
        switch status {
        case 401, 403: return .unauthorized(endpoint: endpoint, status: status, message: message)
        case 404: return .notFound(endpoint: endpoint, model: model, message: message)
        case 408, 409, 425, 429, 500...599: return .unavailable(endpoint: endpoint, status: status, message: message)
        case 400...499: return .rejected(endpoint: endpoint, status: status, message: message)
        default: return .badResponse(endpoint: endpoint, reason: "HTTP status \(status)")
        }
    }
}
