import Foundation
import Inference
import Logging

/// The one resident model: loaded on first use, kept while work keeps coming, swapped when a job
/// asks for another model, dropped after `idle_unload_s` without work. Touched only on the job
/// runner's thread.
final class ModelResidency {
    private let config: ScrawlConfig
    private let loader: EngineLoading
    private let logger: Logger
    private var loaded: (kind: ModelKind, engine: OCREngine)?
    private var lastWorkEnded = Date()

    init(config: ScrawlConfig, loader: EngineLoading, logger: Logger) {
        self.config = config
        self.loader = loader
        self.logger = logger
    }

    /// The engine for `modelName`, loading it (and unloading another) when needed. `freshlyLoaded`
    /// says whether this call loaded it.
    func engine(for modelName: String) throws -> (engine: OCREngine, freshlyLoaded: Bool) {
        guard let kind = ModelKind(rawValue: modelName) else { throw EngineLoadError.unknownModel(name: modelName) }
        if let loaded, loaded.kind == kind { return (loaded.engine, false) }
        if let previous = loaded {
            logger.info("unloading model to load another", metadata: ["model": "\(previous.kind.rawValue)", "next": "\(kind.rawValue)"])
            loaded = nil
        }
        let started = Date()
        let path = config.models.path(for: kind)
        let engine = try loader.load(kind, checkpoint: path)
        loaded = (kind, engine)
        logger.info("model loaded", metadata: ["model": "\(kind.rawValue)", "checkpoint": "\(path)",
                                               "seconds": "\(String(format: "%.1f", Date().timeIntervalSince(started)))"])
        return (engine, true)
    }

    /// Whether `modelName` is the resident model.
    func isLoaded(_ modelName: String) -> Bool { loaded?.kind.rawValue == modelName }

    /// A job ended (whatever its outcome): the idle clock restarts.
    func workEnded() { lastWorkEnded = Date() }

    /// Drops the model once it has been idle for `idle_unload_s`.
    func unloadIfIdle() {
        guard let current = loaded, Date().timeIntervalSince(lastWorkEnded) >= Double(config.daemon.idleUnloadS) else { return }
        loaded = nil
        logger.info("model unloaded after \(config.daemon.idleUnloadS) s without work", metadata: ["model": "\(current.kind.rawValue)"])
    }

    func unload() { loaded = nil }
}
