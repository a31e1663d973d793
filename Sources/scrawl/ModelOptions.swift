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
        return try EngineOpener.open(checkpoint: checkpoint(for: model))
    }
}
