import ArgumentParser
import Daemon
import Foundation
import Inference
import RemoteEngine

/// `--config` for the commands that run a model: `--model NAME` means the configuration's model of
/// that name (qwen, aya, or a `[models.NAME]`, local or remote); anything else is a checkpoint directory.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file whose [models] --model NAME uses.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("""
        checkpoint: compute with the checkpoint's own weights (default). int8: the language model's linear \
        layers as Q8_0 (32-value blocks, one scale each), quantized on first use into <state-dir>/int8-cache.
        """, valueName: "checkpoint|int8"))
    var weights = "checkpoint"

    @Option(name: .customLong("state-dir"), help: ArgumentHelp(
        "Where the int8 cache lives (default: the configuration's state_dir).", valueName: "dir"))
    var stateDir: String?

    func validate() throws {
        guard WeightLoading.names.contains(weights) else {
            throw ValidationError("--weights must be one of: \(WeightLoading.names.joined(separator: ", ")) (got \(weights))")
        }
    }

    /// The weights `--weights` asks for (int8: cached under --state-dir, else the configuration's state_dir).
    func weightLoading() throws -> WeightLoading {
        guard weights == "int8" else { return .checkpoint }
        let dir = try stateDir ?? ScrawlConfig.load(path: config, explicit: config != nil).stateDir
        return .int8(stateDirectory: dir)
    }

    /// The registry's spec for `model`, or a checkpoint folder when `model` is no configured name.
    func spec(for model: String) throws -> ModelSpec {
        let registry = try ScrawlConfig.load(path: config, explicit: config != nil).models
        if let spec = registry.spec(named: model) { return spec }
        if ModelName(rawValue: model) != nil && !model.contains("/") && !FileManager.default.fileExists(atPath: model) {
            throw ValidationError("no model named \(model) in the configuration (it defines \(registry.names.map(\.rawValue).joined(separator: ", "))), and no folder of that name")
        }
        return ModelSpec(name: .qwen, source: .checkpoint(path: URL(fileURLWithPath: model).path))
    }

    /// A local checkpoint folder for `model` (benchmarks run here, not on a server).
    func checkpoint(for model: String) throws -> URL {
        let spec = try spec(for: model)
        guard let path = spec.checkpointPath else {
            throw ValidationError("\(model) is a remote model (\(spec.remote?.displayURL ?? "")): this command needs a checkpoint on this machine")
        }
        guard ModelRegistry.hasCheckpoint(at: path) else {
            throw ValidationError("no \(model) checkpoint at \(path): run `scrawl models pull \(model)`, set [models] \(model) in the configuration, or pass --model DIR")
        }
        return URL(fileURLWithPath: path)
    }

    /// The engine for `model`: a checkpoint read here, or a remote endpoint.
    func engine(for model: String) throws -> any OCREngine {
        let spec = try spec(for: model)
        if let endpoint = spec.remote { return try RemoteEngine(endpoint: endpoint) }
        return try EngineOpener.open(checkpoint: checkpoint(for: model), weights: weightLoading())
    }
}
