import Catalog
import Foundation
import Inference
import Logging

/// A lost catalog rebuilt from the JSON sidecars, without running the model again (`scrawl reindex
/// --from-sidecars`): every scan of every inbox whose JSON sidecar holds a text read from exactly its
/// bytes (the sidecar's SHA-256 is the file's) is recorded as read, with the file's identity, so the
/// daemon's next start neither reads nor hashes it. Scans the catalog already has a live document for,
/// and sidecars that hold an error, another file's bytes or no valid JSON, are left alone.
public struct SidecarImport {
    public struct Summary: Equatable, Sendable {
        public var imported = 0
        /// Already in the catalog.
        public var known = 0
        /// No sidecar, an error sidecar, or one that does not match the file's bytes.
        public var skipped = 0
    }

    /// Sidecars larger than this are not JSON sidecars of ours.
    static let maxSidecarBytes = 16 << 20
    /// Scans recorded per transaction.
    static let batch = 200

    private let config: ScrawlConfig
    private let catalog: Catalog
    private let tags: FolderTagResolver
    private let logger: Logger

    public init(config: ScrawlConfig, catalog: Catalog, logger: Logger) {
        self.config = config
        self.catalog = catalog
        self.tags = FolderTagResolver(logger: logger)
        self.logger = logger
    }

    public func run() throws -> Summary {
        var summary = Summary()
        var pending: [(scan: ScanCandidate, result: ReadResult)] = []
        let excluded = Set(config.inboxes.compactMap(\.sidecarDir))
        for inbox in config.inboxes {
            for found in InboxScanner.files(under: inbox.path, recursive: inbox.recursive, excluding: excluded) {
                if try catalog.hasLiveDocument(path: found.path) {
                    summary.known += 1
                    continue
                }
                guard let entry = entry(for: found, inbox: inbox) else {
                    summary.skipped += 1
                    continue
                }
                pending.append(entry)
                if pending.count >= Self.batch {
                    summary.imported += try catalog.recordReadScans(pending)
                    pending.removeAll()
                }
            }
        }
        summary.imported += try catalog.recordReadScans(pending)
        return summary
    }

    /// The catalog rows for one scan from its JSON sidecar, or nil (logged) when the sidecar does not fit it.
    private func entry(for found: InboxScanner.Found, inbox: InboxConfig) -> (scan: ScanCandidate, result: ReadResult)? {
        let json = SidecarPaths(scan: found.path, inbox: inbox).json
        guard FileStatus.lstat(json)?.kind == .regular else { return nil }
        let raw: String
        let document: SidecarDocument
        do {
            raw = try BoundedFileReader.read(json, limit: Self.maxSidecarBytes, beneath: inbox.sidecarDir ?? inbox.path)
            document = try JSONDecoder().decode(SidecarDocument.self, from: Data(raw.utf8))
        } catch {
            logger.notice("not imported: the sidecar is not a scrawl JSON sidecar: \(error)", metadata: ["path": "\(found.path)"])
            return nil
        }
        guard let text = document.text, document.error == nil else { return nil }
        let sha: String
        do { sha = try SHA256.hex(ofFile: found.path) } catch {
            logger.notice("not imported: cannot read the scan: \(error)", metadata: ["path": "\(found.path)"])
            return nil
        }
        guard sha == document.source.sha256 else {
            logger.notice("not imported: the scan's bytes changed since its sidecar was written (it is read again)",
                          metadata: ["path": "\(found.path)"])
            return nil
        }
        let settings = tags.settings(for: found.path, in: inbox)
        let scan = ScanCandidate(path: found.path, sha256: sha, bytes: found.status.size, mtime: found.status.mtime,
                                 format: document.source.format, inbox: inbox.path, model: settings.model.rawValue,
                                 prompt: document.prompt, maxTokens: settings.maxTokens, maxPages: settings.maxPages,
                                 pdfText: settings.pdfText, identity: found.status.identity)
        let result = ReadResult(text: text, model: document.model?.name ?? "", checkpoint: document.model?.checkpoint ?? "",
                                configHash: document.model?.configSHA256 ?? "", prompt: document.prompt,
                                tokens: document.tokens ?? 0, finishReason: document.finishReason,
                                width: document.source.width ?? 0, height: document.source.height ?? 0,
                                timingsMs: document.timingsMs ?? [:], pages: document.pages ?? [], sidecarJSON: raw)
        return (scan, result)
    }
}
