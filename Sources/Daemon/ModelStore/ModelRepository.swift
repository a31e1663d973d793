import Foundation

/// A Hugging Face model repository, named by alias (`qwen`, `aya`) or `ORG/NAME`.
public struct ModelRepository: Sendable, Equatable {
    public var id: String
    /// The alias when one was used ("qwen", "aya"): its configured folder is the default destination.
    public var alias: String?

    public static let aliases: [String: String] = [
        "qwen": "prithivMLmods/Qwen2-VL-OCR-2B-Instruct",
        "aya": "CohereForAI/aya-vision-8b",
    ]

    public init(_ text: String) throws {
        if let id = Self.aliases[text] {
            self.id = id
            alias = text
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".")
            && $0.unicodeScalars.allSatisfy(allowed.contains) }) else {
            throw ModelStoreError.badRepository(text)
        }
        id = text
        alias = Self.aliases.first { $0.value == text }?.key
    }

    /// `models--ORG--NAME`, the hub cache's folder name.
    public var cacheFolderName: String { "models--" + id.replacingOccurrences(of: "/", with: "--") }

    /// `ORG--NAME`, the folder under `<state_dir>/models/` for repositories without a configured path.
    public var folderName: String { id.replacingOccurrences(of: "/", with: "--") }

    /// Percent-escapes each path segment for URLs.
    static func escapePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? String($0)
        }.joined(separator: "/")
    }
}
