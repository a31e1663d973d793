import Foundation
import Inference
import RemoteEngine

/// Makes the engine for a model of the registry. The worker keeps one checkpoint engine loaded and
/// one engine per remote model (cheap: a remote engine holds an endpoint and a key).
public protocol EngineLoading: Sendable {
    func load(_ spec: ModelSpec) throws -> OCREngine
}

extension EngineLoading {
    /// A local checkpoint under `name`.
    public func load(_ name: ModelName, checkpoint: String) throws -> OCREngine {
        try load(ModelSpec(name: name, source: .checkpoint(path: checkpoint)))
    }
}

public enum EngineLoadError: Error, Equatable, CustomStringConvertible {
    case modelMissing(name: ModelName, path: String)
    case unknownModel(name: String, known: [ModelName])

    public var description: String {
        switch self {
        case .modelMissing(let name, let path):
            let pull = ModelName.builtIn.contains(name) ? "run `scrawl models pull \(name)` (or set [models] \(name) = \"/path\")"
                : "put the checkpoint there (or set [models] \(name) = \"/path\")"
            return "model not found at \(path): \(pull); the scans wait in the queue and are read once it is there"
        case .unknownModel(let name, let known):
            return "unknown model '\(name)' (the configuration defines \(known.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}

/// The real loader: a checkpoint directory → its engine; an endpoint → a RemoteEngine.
public struct ModelEngineLoader: EngineLoading {
    public init() {}

    public func load(_ spec: ModelSpec) throws -> OCREngine {
        switch spec.source {
        case .checkpoint(let path):
            guard ModelRegistry.hasCheckpoint(at: path) else { throw EngineLoadError.modelMissing(name: spec.name, path: path) }
            // config.json's model_type picks the code; the name only names the configured path.
            return try EngineOpener.open(checkpoint: URL(fileURLWithPath: path))
        case .remote(let endpoint):
            return try RemoteEngine(endpoint: endpoint)
        }
    }
}

/// The loader of checkpoints only (remote models are refused): `scrawl models verify` and tests.
public struct CheckpointEngineLoader: EngineLoading {
    public init() {}

    public func load(_ spec: ModelSpec) throws -> OCREngine {
        guard spec.checkpointPath != nil else { throw EngineLoadError.unknownModel(name: spec.name.rawValue, known: []) }
        return try ModelEngineLoader().load(spec)
    }
}
