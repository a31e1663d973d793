import Foundation

/// Which vision-language model reads a folder's scans.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    /// Qwen2-VL-OCR-2B: the default, fast enough for every inbox.
    case qwen
    /// Aya Vision 8B: slower, for folders tagged for it.
    case aya
}

/// Where each model's checkpoint directory lives.
public struct ModelPaths: Sendable, Equatable {
    public var qwen: String
    public var aya: String

    public init(qwen: String, aya: String) {
        self.qwen = qwen
        self.aya = aya
    }

    /// `<state_dir>/models/qwen2-vl-ocr-2b` and `<state_dir>/models/aya-vision-8b`.
    public static func defaults(stateDir: String) -> ModelPaths {
        ModelPaths(qwen: stateDir + "/models/qwen2-vl-ocr-2b", aya: stateDir + "/models/aya-vision-8b")
    }

    /// Whether `directory` holds a checkpoint: its config.json is a file. Every "model missing"
    /// message (serve at start, the worker, `ocr`, `models list`) keys on this.
    public static func hasCheckpoint(at directory: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory + "/config.json", isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    public func path(for kind: ModelKind) -> String {
        switch kind {
        case .qwen: return qwen
        case .aya: return aya
        }
    }
}
