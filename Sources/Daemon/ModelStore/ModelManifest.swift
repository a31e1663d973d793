import Foundation

/// `.scrawl-manifest.json`, written by `pull` beside the files: what was downloaded from where,
/// so `verify` can check sizes and SHA-256 later.
public struct ModelManifest: Codable, Sendable, Equatable {
    public static let fileName = ".scrawl-manifest.json"

    public var repository: String
    public var revision: String
    public var commit: String?
    public var endpoint: String
    public var pulledAt: Date
    public var files: [HubFile]

    public static func load(from folder: String) -> ModelManifest? {
        guard let data = FileManager.default.contents(atPath: folder + "/" + fileName) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ModelManifest.self, from: data)
    }

    func save(to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = folder + "/" + Self.fileName
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ModelStoreError.fileSystem(path: path, reason: "cannot write the manifest: \(error.localizedDescription)")
        }
    }
}
