import Foundation
import Inference
import Logging

/// The one resident model: loaded on first use, kept while work keeps coming, swapped when a job
/// asks for another model, dropped after `idle_unload_s` without work. Touched only on the job
/// runner's thread — except remote models: one engine each (an endpoint and a key, nothing to
/// unload), made at the first scan and shared by the threads reading that model's scans.
final class ModelResidency: @unchecked Sendable {
    private let config: ScrawlConfig
    private let loader: EngineLoading
    private let logger: Logger
    private var loaded: (name: ModelName, engine: OCREngine)?
    private var lastWorkEnded = Date()
    private let remoteLock = NSLock()
    private var remoteEngines: [ModelName: OCREngine] = [:]

    init(config: ScrawlConfig, loader: EngineLoading, logger: Logger) {
        self.config = config
        self.loader = loader
        self.logger = logger
    }

    /// The engine for `modelName`, loading it (and unloading another) when needed; a checkpoint load is
    /// checked to fit in memory with a KV cache for `maxTokens` and an image of `maxPixels` (the job's
    /// inbox's; a model already resident is not checked again for a later job's larger figures).
    /// `freshlyLoaded` says whether this call loaded it.
    func engine(for modelName: String, maxTokens: Int, maxPixels: Int?) throws -> (engine: OCREngine, freshlyLoaded: Bool) {
        guard let spec = config.models.spec(named: modelName) else {
            throw EngineLoadError.unknownModel(name: modelName, known: config.models.names)
        }
        if spec.remote != nil {
            remoteLock.lock()
            defer { remoteLock.unlock() }
            if let engine = remoteEngines[spec.name] { return (engine, false) }
            let engine = try loader.load(spec, maxTokens: maxTokens, maxPixels: maxPixels)
            remoteEngines[spec.name] = engine
            return (engine, true)
        }
        if let loaded, loaded.name == spec.name { return (loaded.engine, false) }
        if let previous = loaded {
            logger.info("unloading model to load another", metadata: ["model": "\(previous.name)", "next": "\(spec.name)"])
            loaded = nil
        }
        let started = Date()
        let engine = try loader.load(spec, maxTokens: maxTokens, maxPixels: maxPixels)
        loaded = (spec.name, engine)
        logger.info("model loaded", metadata: ["model": "\(spec.name)", "checkpoint": "\(spec.checkpointPath ?? "")",
                                               "seconds": "\(String(format: "%.1f", Date().timeIntervalSince(started)))"])
        return (engine, true)
    }

    /// Whether `modelName` is the resident model (for a remote model: whether its engine is made).
    /// The local model loaded now (its jobs go first: `Catalog.claimNextJob(preferring:)`), or nil.
    var residentModel: String? { loaded?.name.rawValue }

    func isLoaded(_ modelName: String) -> Bool {
        if loaded?.name.rawValue == modelName { return true }
        guard let name = ModelName(rawValue: modelName) else { return false }
        remoteLock.lock()
        defer { remoteLock.unlock() }
        return remoteEngines[name] != nil
    }

    /// A job ended (whatever its outcome): the idle clock restarts.
    func workEnded() { lastWorkEnded = Date() }

    /// Drops the model once it has been idle for `idle_unload_s`.
    func unloadIfIdle() {
        guard let current = loaded, Date().timeIntervalSince(lastWorkEnded) >= Double(config.daemon.idleUnloadS) else { return }
        loaded = nil
        logger.info("model unloaded after \(config.daemon.idleUnloadS) s without work", metadata: ["model": "\(current.name)"])
    }

    func unload() { loaded = nil }
}
