/// A scan the daemon found settled on disk and wants read: identity is `path` + `sha256` of its bytes.
public struct ScanCandidate: Sendable, Equatable {
    public var path: String
    public var sha256: String
    public var bytes: Int64
    public var mtime: Double
    /// The format sniffed from the bytes ("jpeg", "png", "gif", "pdf", "tiff", "heif", "webp"), or "unknown".
    public var format: String
    /// The inbox folder (as configured) the scan was found under.
    public var inbox: String
    /// The configured model key ("qwen" or "aya").
    public var model: String
    public var prompt: String
    public var maxTokens: Int
    /// Pages of a document read at most (the rest are left out, and the sidecar says so).
    public var maxPages: Int
    /// "ignore" (every page read by the model) or "prefer" (a PDF page's own text layer when it has one).
    public var pdfText: String
    /// The file's identity when `sha256` was computed; remembered so that an unchanged file is not read again.
    public var identity: FileIdentity?

    public init(path: String, sha256: String, bytes: Int64, mtime: Double, format: String, inbox: String,
                model: String, prompt: String, maxTokens: Int, maxPages: Int = ScanCandidate.defaultMaxPages,
                pdfText: String = ScanCandidate.defaultPDFText, identity: FileIdentity? = nil) {
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.mtime = mtime
        self.format = format
        self.inbox = inbox
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.maxPages = maxPages
        self.pdfText = pdfText
        self.identity = identity
    }

    public static let defaultMaxPages = 100
    public static let defaultPDFText = "ignore"
}
