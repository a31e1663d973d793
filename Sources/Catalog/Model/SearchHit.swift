import Foundation

/// One matching scan.
public struct SearchHit: Sendable, Codable, Equatable {
    public var path: String
    /// A short excerpt with the matched words marked «like this».
    public var snippet: String
    /// SQLite's bm25 score: more negative is a better match; hits come best first.
    public var rank: Double
    public var model: String
    public var createdAt: Date
    public var sha256: String

    public init(path: String, snippet: String, rank: Double, model: String, createdAt: Date, sha256: String) {
        self.path = path
        self.snippet = snippet
        self.rank = rank
        self.model = model
        self.createdAt = createdAt
        self.sha256 = sha256
    }
}
