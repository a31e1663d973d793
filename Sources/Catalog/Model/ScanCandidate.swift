/// A scan the daemon found settled on disk and wants read: identity is `path` + `sha256` of its bytes.
public struct ScanCandidate: Sendable, Equatable {
    public var path: String
    public var sha256: String
    public var bytes: Int64
    public var mtime: Double
    /// "jpeg", "png" or "gif".
    public var format: String
    /// The inbox folder (as configured) the scan was found under.
    public var inbox: String
    /// The configured model key ("qwen" or "aya").
    public var model: String
    public var prompt: String
    public var maxTokens: Int
    /// The file's identity when `sha256` was computed; remembered so that an unchanged file is not read again.
    public var identity: FileIdentity?

    public init(path: String, sha256: String, bytes: Int64, mtime: Double, format: String, inbox: String,
                model: String, prompt: String, maxTokens: Int, identity: FileIdentity? = nil) {
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.mtime = mtime
        self.format = format
        self.inbox = inbox
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.identity = identity
    }
}
