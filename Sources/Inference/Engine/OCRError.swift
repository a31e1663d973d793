/// Why one image could not be read (the engine itself stays usable).
public enum OCRError: Error, CustomStringConvertible, Equatable, Sendable {
    case imageRejected(reason: String)
    case promptMismatch(reason: String)
    case tokenizer(reason: String)
    /// The request's CancellationFlag stopped the read (shutdown, deadline).
    case cancelled(reason: String)

    public var description: String {
        switch self {
        case .imageRejected(let reason): return "image rejected: \(reason)"
        case .promptMismatch(let reason): return "prompt cannot be built: \(reason)"
        case .tokenizer(let reason): return "tokenizer: \(reason)"
        case .cancelled(let reason): return "read stopped: \(reason)"
        }
    }
}
