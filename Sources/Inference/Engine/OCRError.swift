/// Why one image could not be read (the engine itself stays usable).
public enum OCRError: Error, CustomStringConvertible, Equatable, Sendable {
    case imageRejected(reason: String)
    case promptMismatch(reason: String)
    case tokenizer(reason: String)
    /// The request's CancellationFlag stopped the read (shutdown, deadline).
    case cancelled(reason: String)
    /// The prompt plus the tokens asked for do not fit the model's context.
    case contextExceeded(promptTokens: Int, maxNewTokens: Int, contextLength: Int)

    public var description: String {
        switch self {
        case .imageRejected(let reason): return "image rejected: \(reason)"
        case .promptMismatch(let reason): return "prompt cannot be built: \(reason)"
        case .tokenizer(let reason): return "tokenizer: \(reason)"
        case .cancelled(let reason): return "read stopped: \(reason)"
        case .contextExceeded(let prompt, let new, let context):
            return "the prompt (\(prompt) tokens) plus max_tokens \(new) exceeds the model's context of \(context) tokens "
                + "(lower max_pixels or max_tokens)"
        }
    }
}
