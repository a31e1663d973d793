import Foundation
import Inference

/// Makes the engine for a model kind from its checkpoint directory. The worker keeps one loaded.
/// `maxTokens` is the job's: the memory check counts a KV cache for its prompt plus that many tokens.
public protocol EngineLoading: Sendable {
    func load(_ kind: ModelKind, checkpoint: String, maxTokens: Int) throws -> OCREngine
}

public enum EngineLoadError: Error, Equatable, CustomStringConvertible {
    case modelMissing(kind: ModelKind, path: String)
    case unknownModel(name: String)
    /// The checkpoint would not fit: what it needs (and why) against what the machine offers.
    case insufficientMemory(kind: ModelKind, path: String, need: String, available: String)
    /// The checkpoint is there but cannot be loaded (a config value out of range, a missing tensor):
    /// the checkpoint's fault, not the scans'.
    case checkpointUnusable(kind: ModelKind, path: String, reason: String)

    public var description: String {
        switch self {
        case .modelMissing(let kind, let path):
            return "model not found at \(path): run `scrawl models pull \(kind.rawValue)` (or set [models] \(kind.rawValue) = \"/path\"); the scans wait in the queue and are read once it is there"
        case .unknownModel(let name):
            return "unknown model '\(name)' (expected qwen or aya)"
        case .insufficientMemory(let kind, let path, let need, let available):
            return "not enough memory to load the \(kind.rawValue) model (\(path)): it needs \(need), and \(available); "
                + "free memory, raise MemoryMax= in the unit, or lower max_tokens or the folder's model; "
                + "its scans wait in the queue and the load is tried again"
        case .checkpointUnusable(let kind, let path, let reason):
            return "the \(kind.rawValue) checkpoint at \(path) cannot be loaded: \(reason); fix or replace it "
                + "(`scrawl models verify` says more); its scans wait in the queue and are read once it loads"
        }
    }
}

/// The real loader: a checkpoint directory → its engine, after a check that it fits in memory.
public struct CheckpointEngineLoader: EngineLoading {
    /// The memory figures a load is checked against (tests give fixed ones).
    let limits: @Sendable () -> MemoryLimits

    public init(limits: @escaping @Sendable () -> MemoryLimits = { MemoryLimits.current() }) {
        self.limits = limits
    }

    public func load(_ kind: ModelKind, checkpoint: String, maxTokens: Int) throws -> OCREngine {
        guard ModelPaths.hasCheckpoint(at: checkpoint) else {
            throw EngineLoadError.modelMissing(kind: kind, path: checkpoint)
        }
        let url = URL(fileURLWithPath: checkpoint)
        do {
            try checkMemory(kind, checkpoint: url, maxTokens: maxTokens)
            // config.json's model_type picks the code; the kind only names the configured path.
            return try EngineOpener.open(checkpoint: url)
        } catch let error as EngineLoadError {
            throw error
        } catch {
            throw EngineLoadError.checkpointUnusable(kind: kind, path: checkpoint, reason: "\(error)")
        }
    }

    /// Throws `insufficientMemory` when weights + KV cache + image activations exceed what is available.
    func checkMemory(_ kind: ModelKind, checkpoint: URL, maxTokens: Int) throws {
        let estimate = try MemoryEstimate.of(checkpoint: checkpoint)
        let limits = limits()
        guard let available = limits.availableBytes else { return }
        let need = estimate.totalBytes(maxTokens: maxTokens)
        guard need > available else { return }
        throw EngineLoadError.insufficientMemory(
            kind: kind, path: checkpoint.path,
            need: "\(MemoryLimits.gib(need)) (weights \(MemoryLimits.gib(estimate.weightBytes)), KV cache "
                + "\(MemoryLimits.gib(estimate.kvBytes(maxTokens: maxTokens))) for \(estimate.maxPromptTokens) prompt + "
                + "\(maxTokens) new tokens, image \(MemoryLimits.gib(estimate.activationBytes)))",
            available: "\(MemoryLimits.gib(available)) is available (\(limits.summary))")
    }
}
