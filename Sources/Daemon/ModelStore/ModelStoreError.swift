/// Failures of `scrawl models pull|verify|list`, each naming the repository, file or folder involved.
public enum ModelStoreError: Error, CustomStringConvertible, Equatable {
    case badRepository(String)
    case gated(repo: String, status: Int, tokenSet: Bool)
    case notFound(url: String)
    case httpStatus(url: String, status: Int, body: String)
    case network(url: String, reason: String)
    case badListing(url: String, reason: String)
    case checksumMismatch(file: String, expected: String, actual: String)
    case sizeMismatch(file: String, expected: Int64, actual: Int64)
    case fileSystem(path: String, reason: String)
    case notAModel(path: String, reason: String)

    public var description: String {
        switch self {
        case .badRepository(let text):
            return "'\(text)' is not a model: use qwen, aya or ORG/NAME (a Hugging Face repository)"
        case .gated(let repo, let status, let tokenSet):
            let hint = tokenSet
                ? "the token in HF_TOKEN has no access: accept the model's licence at https://huggingface.co/\(repo) with that account"
                : "the model is gated: accept its licence at https://huggingface.co/\(repo), create a read token at https://huggingface.co/settings/tokens and run again with HF_TOKEN=hf_… set"
            return "HTTP \(status) for \(repo): \(hint)"
        case .notFound(let url):
            return "not found: \(url) (check the repository name and --revision)"
        case .httpStatus(let url, let status, let body):
            return "HTTP \(status) from \(url)" + (body.isEmpty ? "" : ": \(body.prefix(200))")
        case .network(let url, let reason):
            return "cannot reach \(url): \(reason) (set HF_ENDPOINT for a mirror; the daemon itself needs no network)"
        case .badListing(let url, let reason):
            return "unexpected file listing from \(url): \(reason)"
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file): SHA-256 is \(actual), the hub says \(expected); the download was discarded, run pull again"
        case .sizeMismatch(let file, let expected, let actual):
            return "\(file): \(actual) bytes, expected \(expected)"
        case .fileSystem(let path, let reason):
            return "\(path): \(reason)"
        case .notAModel(let path, let reason):
            return "\(path) is not a usable checkpoint: \(reason)"
        }
    }
}
