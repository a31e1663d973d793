/// One durable unit of work: read the scan at `path` whose bytes hash to `sha256`.
public struct Job: Sendable, Equatable {
    public var id: Int64
    public var path: String
    public var sha256: String
    public var bytes: Int64
    public var mtime: Double
    public var format: String
    public var inbox: String
    public var model: String
    public var prompt: String
    public var maxTokens: Int
    /// Pages read at most, and whether a PDF's text layer is preferred (see `ScanCandidate`).
    public var maxPages: Int
    public var pdfText: String
    /// How many times the job has been claimed, this time included.
    public var attempts: Int

    public init(id: Int64, path: String, sha256: String, bytes: Int64, mtime: Double = 0, format: String,
                inbox: String, model: String, prompt: String, maxTokens: Int, attempts: Int,
                maxPages: Int = ScanCandidate.defaultMaxPages, pdfText: String = ScanCandidate.defaultPDFText) {
        self.id = id
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.mtime = mtime
        self.format = format
        self.inbox = inbox
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.attempts = attempts
        self.maxPages = maxPages
        self.pdfText = pdfText
    }
}

/// The lifecycle of a job row. `cancelled` is a queued job whose file went away before it was read.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case queued, running, done, failed, cancelled
}
