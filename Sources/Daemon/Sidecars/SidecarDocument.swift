import Inference

/// The JSON sidecar (`note.jpg.json`), versioned by `schema`. On failure `error` is set and `text` absent.
public struct SidecarDocument: Codable, Equatable, Sendable {
    public static let schemaVersion = 1

    public struct Source: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String
        public var bytes: Int64
        public var format: String
        public var width: Int?
        public var height: Int?
    }

    /// What read the scan: `name` and, for a local model, `checkpoint` + `config_sha256`; for a
    /// remote one, `endpoint` (the URL without credentials) and `name` = the server's model name.
    public struct Model: Codable, Equatable, Sendable {
        public var name: String
        public var checkpoint: String?
        public var configSHA256: String?
        public var endpoint: String?

        public init(name: String, checkpoint: String, configSHA256: String) {
            self.name = name
            self.checkpoint = checkpoint
            self.configSHA256 = configSHA256
        }

        public init(name: String, identity: EngineIdentity) {
            self.name = name
            switch identity {
            case .checkpoint(let path, let hash):
                checkpoint = path
                configSHA256 = hash
            case .remote(let endpoint, let model):
                self.name = model
                self.endpoint = endpoint
            }
        }

        enum CodingKeys: String, CodingKey {
            case name, checkpoint, endpoint
            case configSHA256 = "config_sha256"
        }
    }

    public var schema: Int = SidecarDocument.schemaVersion
    public var source: Source
    public var model: Model?
    public var prompt: String
    public var text: String?
    /// Generated tokens (EOS excluded).
    public var tokens: Int?
    /// eos, max_tokens or loop.
    public var finishReason: String?
    /// decode_image, preprocess, vision, prefill, generate, total (milliseconds); load_model when the
    /// model had to be loaded for this scan (not part of total).
    public var timingsMs: [String: Double]?
    public var error: String?
    /// Set when the result was taken from identical bytes read before under another path (no model run).
    public var reused: Bool?
    public var scrawlVersion: String
    /// ISO 8601, UTC.
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case schema, source, model, prompt, text, tokens, error, reused
        case finishReason = "finish_reason"
        case timingsMs = "timings_ms"
        case scrawlVersion = "scrawl_version"
        case createdAt = "created_at"
    }
}
