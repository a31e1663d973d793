import Catalog
import Inference

/// The JSON sidecar (`note.jpg.json`), versioned by `schema`. On failure `error` is set and `text` absent.
///
/// Schema 2 (documents with pages) adds `pages` (one entry per page read: number, width, height, text,
/// tokens, finish_reason, timings_ms, origin) and `page_count`, and `max_pages` when the page cap left
/// pages out. Every schema-1 field keeps its meaning: `text` is the pages' text joined with form feeds
/// (as pdftotext joins pages), `tokens` their sum, `source.width`/`height` the first page's, so for a
/// photo (one page) a schema-1 reader finds exactly what it found before.
public struct SidecarDocument: Codable, Equatable, Sendable {
    public static let schemaVersion = 2

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

        /// From a catalog row, where a remote read keeps its endpoint as the checkpoint, with no config hash.
        public init(name: String, recordedCheckpoint: String, configHash: String) {
            if configHash.isEmpty && recordedCheckpoint.contains("://") {
                self.init(name: name, identity: .remote(endpoint: recordedCheckpoint, model: name))
            } else {
                self.init(name: name, checkpoint: recordedCheckpoint, configSHA256: configHash)
            }
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
    /// The pages read, in order (absent on a failure).
    public var pages: [PageResult]?
    /// Pages in the document (the file), read or not.
    public var pageCount: Int?
    /// Set when the document has more pages than the folder's `max_pages`: the cap that left the rest out.
    public var maxPages: Int?
    /// Set when the result was taken from identical bytes read before under another path (no model run).
    public var reused: Bool?
    public var scrawlVersion: String
    /// ISO 8601, UTC.
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case schema, source, model, prompt, text, tokens, error, reused, pages
        case pageCount = "page_count"
        case maxPages = "max_pages"
        case finishReason = "finish_reason"
        case timingsMs = "timings_ms"
        case scrawlVersion = "scrawl_version"
        case createdAt = "created_at"
    }
}
