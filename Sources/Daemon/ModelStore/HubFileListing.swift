import Foundation

/// One file of a repository revision, from `GET /api/models/{repo}/revision/{rev}?blobs=true`.
public struct HubFile: Sendable, Codable, Equatable {
    public var name: String
    public var size: Int64?
    /// SHA-256 of the content, known for LFS files (weights); other files are checked by size only.
    public var sha256: String?

    public init(name: String, size: Int64?, sha256: String?) {
        self.name = name
        self.size = size
        self.sha256 = sha256
    }
}

/// The listing of a revision: its commit and files.
public struct HubListing: Sendable, Equatable {
    public var commit: String?
    public var files: [HubFile]

    private struct Response: Decodable {
        struct Sibling: Decodable {
            struct LFS: Decodable { var sha256: String?; var size: Int64? }
            var rfilename: String
            var size: Int64?
            var lfs: LFS?
        }
        var sha: String?
        var siblings: [Sibling]?
    }

    static func parse(_ data: Data, url: String) throws -> HubListing {
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw ModelStoreError.badListing(url: url, reason: "\(error)")
        }
        guard let siblings = response.siblings else {
            throw ModelStoreError.badListing(url: url, reason: "no \"siblings\" array")
        }
        var files: [HubFile] = []
        for sibling in siblings {
            let name = sibling.rfilename
            guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                throw ModelStoreError.badListing(url: url, reason: "unsafe file name '\(name)'")
            }
            files.append(HubFile(name: name, size: sibling.size ?? sibling.lfs?.size, sha256: sibling.lfs?.sha256))
        }
        return HubListing(commit: response.sha, files: files)
    }

    /// The files scrawl needs: configs, tokenizer and safetensors weights; not other weight formats
    /// (PyTorch .bin, TensorFlow, Flax, ONNX, GGUF), images or git metadata.
    public var neededFiles: [HubFile] {
        let skippedSuffixes = [".bin", ".pt", ".pth", ".h5", ".msgpack", ".onnx", ".onnx_data", ".gguf", ".ot",
                               ".ckpt", ".png", ".jpg", ".jpeg", ".gif", ".mp4", ".pdf"]
        return files.filter { file in
            let lower = file.name.lowercased()
            return !lower.hasPrefix(".") && !skippedSuffixes.contains { lower.hasSuffix($0) }
                && !lower.hasPrefix("onnx/") && !lower.hasPrefix("original/")
        }
    }
}
