import Foundation

/// `scrawl models pull`: use a complete snapshot already in the Hugging Face cache, else download
/// the revision's files from the hub (or `HF_ENDPOINT`) into the destination folder.
public struct ModelPuller {
    public enum Outcome: Equatable, Sendable {
        /// A complete snapshot was found in the hub cache; nothing was copied.
        case foundInCache(path: String)
        /// Files are in `path`; `downloadedBytes` moved in this run.
        case downloaded(path: String, files: Int, downloadedBytes: Int64)
    }

    public var endpoint: String
    public var token: String?
    public var cache: HubCacheLookup
    public var useCache = true
    public var showProgress = isatty(STDERR_FILENO) == 1
    /// Pause between attempts after a broken connection.
    public var retryDelay: TimeInterval = 1
    /// Lines for a person (progress of files), one per call.
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
        token = environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        cache = HubCacheLookup(environment: environment)
    }

    public func pull(_ repo: ModelRepository, revision: String = "main", into destination: String) throws -> Outcome {
        if useCache, let snapshot = cache.snapshot(of: repo, revision: revision) {
            return .foundInCache(path: snapshot)
        }
        let client = HubHTTPClient(endpoint: endpoint, token: token)
        let listingURL = "\(client.endpoint)/api/models/\(repo.id)/revision/\(ModelRepository.escapePath(revision))?blobs=true"
        let response = try client.get(listingURL)
        switch response.status {
        case 200: break
        case 401, 403: throw ModelStoreError.gated(repo: repo.id, status: response.status, tokenSet: token != nil)
        case 404: throw ModelStoreError.notFound(url: listingURL)
        default:
            throw ModelStoreError.httpStatus(url: listingURL, status: response.status,
                                             body: String(decoding: response.body, as: UTF8.self))
        }
        let listing = try HubListing.parse(response.body, url: listingURL)
        let files = listing.neededFiles
        guard files.contains(where: { $0.name == "config.json" }) else {
            throw ModelStoreError.badListing(url: listingURL, reason: "the revision has no config.json; is \(repo.id) a transformers model?")
        }
        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.fileSystem(path: destination, reason: "cannot create: \(error.localizedDescription)")
        }
        let previous = ModelManifest.load(from: destination)
        var downloader = FileDownloader(client: client, repo: repo, revision: listing.commit ?? revision)
        downloader.showProgress = showProgress
        downloader.retryDelay = retryDelay
        var total: Int64 = 0
        for (index, file) in files.enumerated() {
            if Self.alreadyInPlace(file, folder: destination, previous: previous) {
                log("[\(index + 1)/\(files.count)] \(file.name): already there")
                continue
            }
            log("[\(index + 1)/\(files.count)] \(file.name)" + (file.size.map { " (\(DownloadProgress.bytes($0)))" } ?? ""))
            total += try downloader.fetch(file, into: destination)
        }
        try ModelManifest(repository: repo.id, revision: revision, commit: listing.commit, endpoint: endpoint,
                          pulledAt: Date(), files: files).save(to: destination)
        return .downloaded(path: destination, files: files.count, downloadedBytes: total)
    }

    /// A file from an earlier pull of the same content (same size, and same SHA-256 in the old manifest).
    private static func alreadyInPlace(_ file: HubFile, folder: String, previous: ModelManifest?) -> Bool {
        let path = folder + "/" + file.name
        guard let size = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value,
              let expected = file.size, size == expected else { return false }
        guard let old = previous?.files.first(where: { $0.name == file.name }) else { return false }
        return old.size == file.size && old.sha256 == file.sha256
    }
}
