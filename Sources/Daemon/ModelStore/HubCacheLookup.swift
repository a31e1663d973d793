import Foundation

/// Finds a complete snapshot of a repository in an existing Hugging Face cache, to use in place.
public struct HubCacheLookup: Sendable {
    /// `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
    public var hubDirectory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let hub = environment["HF_HUB_CACHE"], !hub.isEmpty {
            hubDirectory = hub
        } else if let home = environment["HF_HOME"], !home.isEmpty {
            hubDirectory = home + "/hub"
        } else {
            let userHome = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
            hubDirectory = userHome + "/.cache/huggingface/hub"
        }
    }

    /// The snapshot folder for `revision` (a commit hash, or a branch/tag resolved through `refs/`),
    /// when it holds config.json and every weight file its index names.
    public func snapshot(of repo: ModelRepository, revision: String) -> String? {
        let base = hubDirectory + "/" + repo.cacheFolderName
        var commit = revision
        if let ref = try? String(contentsOfFile: base + "/refs/" + revision, encoding: .utf8) {
            commit = ref.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let folder = base + "/snapshots/" + commit
        return Self.isComplete(folder) ? folder : nil
    }

    /// config.json plus model.safetensors, or an index whose every shard is present.
    static func isComplete(_ folder: String) -> Bool {
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder + "/config.json") else { return false }
        if fm.fileExists(atPath: folder + "/model.safetensors") { return true }
        guard let data = fm.contents(atPath: folder + "/model.safetensors.index.json"),
              let index = try? JSONDecoder().decode(SafetensorsIndex.self, from: data) else { return false }
        return Set(index.weightMap.values).allSatisfy { fm.fileExists(atPath: folder + "/" + $0) }
    }
}

/// `model.safetensors.index.json`: which shard holds each tensor.
struct SafetensorsIndex: Decodable {
    var weightMap: [String: String]
    enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
}
