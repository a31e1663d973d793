import Foundation
import Inference

/// Makes the engine for a model kind from its checkpoint directory. The worker keeps one loaded.
public protocol EngineLoading: Sendable {
    func load(_ kind: ModelKind, checkpoint: String) throws -> OCREngine
}

public enum EngineLoadError: Error, Equatable, CustomStringConvertible {
    case modelMissing(kind: ModelKind, path: String)
    case unknownModel(name: String)

    public var description: String {
        switch self {
        case .modelMissing(let kind, let path):
            return "model not found at \(path): run `scrawl models pull \(kind.rawValue)` (or set [models] \(kind.rawValue) = \"/path\"); the scans wait in the queue and are read once it is there"
        case .unknownModel(let name):
            return "unknown model '\(name)' (expected qwen or aya)"
        }
    }
}

/// The real loader: a checkpoint directory → its engine.
public struct CheckpointEngineLoader: EngineLoading {
    public init() {}

    public func load(_ kind: ModelKind, checkpoint: String) throws -> OCREngine {
        guard ModelPaths.hasCheckpoint(at: checkpoint) else {
            throw EngineLoadError.modelMissing(kind: kind, path: checkpoint)
        }
        // config.json's model_type picks the code; the kind only names the configured path.
        return try EngineOpener.open(checkpoint: URL(fileURLWithPath: checkpoint))
    }
}
