import Foundation

/// A snapshot for `scrawl status`.
public struct CatalogStatus: Sendable, Codable, Equatable {
    /// Job rows per state (every state present, zero when none).
    public var jobs: [String: Int]
    /// Documents currently in the search index.
    public var searchable: Int
    /// Documents whose latest version failed (and whose file is still there).
    public var failedDocuments: Int
    public var running: [RunningJob]
    public var recentFailures: [Failure]
    /// What keeps the daemon from working now (the worker paused on a missing model, a full disk…).
    public var problems: [Problem] = []

    public struct RunningJob: Sendable, Codable, Equatable {
        public var jobID: Int64
        public var path: String
        public var model: String
        public var tokens: Int
        public var startedAt: Date
        public var attempts: Int
        /// The page being read (1-based) and how many the document has; 0 before the scan is opened.
        public var page: Int = 0
        public var pageCount: Int = 0
    }

    public struct Failure: Sendable, Codable, Equatable {
        public var path: String
        public var error: String
        public var at: Date
    }

    public struct Problem: Sendable, Codable, Equatable {
        /// Who reported it ("worker").
        public var source: String
        public var message: String
        public var since: Date
    }

    public func count(_ state: JobState) -> Int { jobs[state.rawValue] ?? 0 }
}
