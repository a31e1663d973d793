import Foundation
import Inference
import RemoteEngine

/// Makes the engine for a model of the registry. The worker keeps one checkpoint engine loaded and
/// one engine per remote model (cheap: a remote engine holds an endpoint and a key). `maxTokens` is
/// the job's: the memory check counts a KV cache for its prompt plus that many tokens.
public protocol EngineLoading: Sendable {
    /// Loads the model for reads of up to `maxTokens` new tokens of images of up to `maxPixels`
    /// (nil: the checkpoint's own maximum), after checking that such a read fits in memory.
    func load(_ spec: ModelSpec, maxTokens: Int, maxPixels: Int?) throws -> OCREngine
}

extension EngineLoading {
    /// A local checkpoint under `name`.
    public func load(_ name: ModelName, checkpoint: String, maxTokens: Int = InboxConfig.defaultMaxTokens,
                     maxPixels: Int? = InboxConfig.defaultMaxPixels) throws -> OCREngine {
        try load(ModelSpec(name: name, source: .checkpoint(path: checkpoint)), maxTokens: maxTokens, maxPixels: maxPixels)
    }
}

public enum EngineLoadError: Error, Equatable, CustomStringConvertible {
    case modelMissing(name: ModelName, path: String)
    case unknownModel(name: String, known: [ModelName])
    /// The checkpoint would not fit: what it needs (and why) against what the machine offers.
    case insufficientMemory(name: ModelName, path: String, need: String, available: String)
    /// The checkpoint is there but cannot be loaded (a config value out of range, a missing tensor):
    /// the checkpoint's fault, not the scans'.
    case checkpointUnusable(name: ModelName, path: String, reason: String)

    public var description: String {
        switch self {
        case .modelMissing(let name, let path):
            let pull = ModelName.builtIn.contains(name) ? "run `scrawl models pull \(name)` (or set [models] \(name) = \"/path\")"
                : "put the checkpoint there (or set [models] \(name) = \"/path\")"
            return "model not found at \(path): \(pull); the scans wait in the queue and are read once it is there"
        case .unknownModel(let name, let known):
            return "unknown model '\(name)' (the configuration defines \(known.map(\.rawValue).joined(separator: ", ")))"
        case .insufficientMemory(let name, let path, let need, let available):
            return "not enough memory to load the \(name) model (\(path)): it needs \(need), and \(available); "
                + "free memory, raise MemoryMax= in the unit, or lower max_tokens or the folder's model; "
                + "its scans wait in the queue and the load is tried again"
        case .checkpointUnusable(let name, let path, let reason):
            return "the \(name) checkpoint at \(path) cannot be loaded: \(reason); fix or replace it "
                + "(`scrawl models verify` says more); its scans wait in the queue and are read once it loads"
        }
    }
}

/// The real loader: a checkpoint directory → its engine, after a check that it fits in memory; an
/// endpoint → a RemoteEngine.
public struct ModelEngineLoader: EngineLoading {
    /// The memory figures a load is checked against (tests give fixed ones).
    let limits: @Sendable () -> MemoryLimits
    /// Where int8 weights are cached (`<state_dir>/int8-cache`) for a model with `weights = "int8"`.
    let stateDir: String?

    public init(stateDir: String? = nil, limits: @escaping @Sendable () -> MemoryLimits = { MemoryLimits.current() }) {
        self.stateDir = stateDir
        self.limits = limits
    }

    public func load(_ spec: ModelSpec, maxTokens: Int, maxPixels: Int?) throws -> OCREngine {
        switch spec.source {
        case .checkpoint(let path):
            guard ModelRegistry.hasCheckpoint(at: path) else { throw EngineLoadError.modelMissing(name: spec.name, path: path) }
            let url = URL(fileURLWithPath: path)
            do {
                try checkMemory(spec.name, checkpoint: url, maxTokens: maxTokens, maxPixels: maxPixels)
                // config.json's model_type picks the code; the name only names the configured path.
                return try EngineOpener.open(checkpoint: url, weights: weightLoading(spec))
            } catch let error as EngineLoadError {
                throw error
            } catch {
                throw EngineLoadError.checkpointUnusable(name: spec.name, path: path, reason: "\(error)")
            }
        case .remote(let endpoint):
            return try RemoteEngine(endpoint: endpoint)
        }
    }

    private func weightLoading(_ spec: ModelSpec) -> WeightLoading {
        guard spec.weights == "int8" else { return .checkpoint }
        return .int8(stateDirectory: stateDir ?? ScrawlConfig.defaultStateDir)
    }

    /// Throws `insufficientMemory` when weights + KV cache + image activations exceed what is available.
    func checkMemory(_ name: ModelName, checkpoint: URL, maxTokens: Int, maxPixels: Int?) throws {
        let estimate = try MemoryEstimate.of(checkpoint: checkpoint, maxPixels: maxPixels)
        let limits = limits()
        guard let available = limits.availableBytes else { return }
        let need = estimate.totalBytes(maxTokens: maxTokens)
        guard need > available else { return }
        throw EngineLoadError.insufficientMemory(
            name: name, path: checkpoint.path,
            need: "\(MemoryLimits.gib(need)) (weights \(MemoryLimits.gib(estimate.weightBytes)), KV cache "
                + "\(MemoryLimits.gib(estimate.kvBytes(maxTokens: maxTokens))) for \(estimate.maxPromptTokens) prompt + "
                + "\(maxTokens) new tokens, image \(MemoryLimits.gib(estimate.activationBytes)))",
            available: "\(MemoryLimits.gib(available)) is available (\(limits.summary))")
    }
}

/// The loader of checkpoints only (remote models are refused): `scrawl models verify` and tests.
public struct CheckpointEngineLoader: EngineLoading {
    let loader: ModelEngineLoader

    public init(limits: @escaping @Sendable () -> MemoryLimits = { MemoryLimits.current() }) {
        loader = ModelEngineLoader(limits: limits)
    }

    public func load(_ spec: ModelSpec, maxTokens: Int, maxPixels: Int?) throws -> OCREngine {
        guard spec.checkpointPath != nil else { throw EngineLoadError.unknownModel(name: spec.name.rawValue, known: []) }
        return try loader.load(spec, maxTokens: maxTokens, maxPixels: maxPixels)
    }
}
