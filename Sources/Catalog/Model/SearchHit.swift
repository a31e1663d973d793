import Foundation

/// One matching page of a scan.
public struct SearchHit: Sendable, Codable, Equatable {
    public var path: String
    /// A short excerpt with the matched words marked «like this».
    public var snippet: String
    /// SQLite's bm25 score: more negative is a better match; hits come best first.
    public var rank: Double
    public var model: String
    public var createdAt: Date
    public var sha256: String
    /// The page that matched (1-based) and how many the scan has (1 for a photo).
    public var page: Int
    public var pageCount: Int

    public init(path: String, snippet: String, rank: Double, model: String, createdAt: Date, sha256: String,
                page: Int = 1, pageCount: Int = 1) {
        self.path = path
        self.snippet = snippet
        self.rank = rank
        self.model = model
        self.createdAt = createdAt
        self.sha256 = sha256
        self.page = page
        self.pageCount = pageCount
    }

    enum CodingKeys: String, CodingKey {
        case path, snippet, rank, model, sha256, page
        case createdAt
        case pageCount = "page_count"
    }
}
