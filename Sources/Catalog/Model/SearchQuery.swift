import Foundation

/// A full-text query with optional filters.
public struct SearchQuery: Sendable, Equatable {
    /// FTS5 syntax (AND/OR/NOT, "phrase", prefix*, NEAR(...)); text that is not valid syntax is searched as plain words.
    public var text: String
    public var limit: Int
    /// Only scans at or below this folder.
    public var folder: String?
    /// Only scans read by this model: the configured key ("qwen", "aya") or a prefix of the engine name.
    public var model: String?
    /// Only documents recorded at or after this moment.
    public var since: Date?

    public init(text: String, limit: Int = 20, folder: String? = nil, model: String? = nil, since: Date? = nil) {
        self.text = text
        self.limit = limit
        self.folder = folder
        self.model = model
        self.since = since
    }
}
