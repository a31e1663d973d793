import Foundation

/// `scrawl models list`: the configured models, where they live, whether they are there, and their size.
public struct ModelListing: Sendable, Equatable, Codable {
    public var name: String
    public var repository: String
    public var path: String
    public var present: Bool
    public var bytes: Int64
    public var revision: String?
    /// A complete copy in the Hugging Face cache, reported when the configured folder has none.
    public var cachedCopy: String?
    /// A remote model's endpoint (URL without credentials); `repository` is then the server's model name.
    public var endpoint: String?

    public static func entries(for models: ModelRegistry, cache: HubCacheLookup = HubCacheLookup()) -> [ModelListing] {
        models.all.map { spec in
            if let remote = spec.remote {
                return ModelListing(name: spec.name.rawValue, repository: remote.model, path: "", present: true, bytes: 0,
                                    revision: nil, cachedCopy: nil, endpoint: remote.displayURL)
            }
            let path = spec.checkpointPath ?? ""
            let manifest = ModelManifest.load(from: path)
            let repository = ModelRepository.aliases[spec.name.rawValue] ?? ""
            let present = ModelRegistry.hasCheckpoint(at: path)
            let cached = present || repository.isEmpty ? nil
                : (try? ModelRepository(repository)).flatMap { cache.snapshot(of: $0, revision: "main") }
            return ModelListing(name: spec.name.rawValue, repository: repository, path: path, present: present,
                                bytes: folderSize(path), revision: manifest.map { $0.commit ?? $0.revision },
                                cachedCopy: cached)
        }
    }

    /// Bytes of the regular files below `path` (symlinks followed once, as a hub snapshot uses them).
    static func folderSize(_ path: String) -> Int64 {
        guard let names = FileManager.default.subpaths(atPath: path) else { return 0 }
        return names.reduce(0) { total, name in
            let full = URL(fileURLWithPath: path).appendingPathComponent(name).resolvingSymlinksInPath().path
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                  attributes[.type] as? FileAttributeType == .typeRegular else { return total }
            return total + ((attributes[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
