import ArgumentParser
import Daemon
import Foundation
import Inference

/// `--config` for the commands that run a model: `--model qwen|aya` means the configuration's
/// `[models]` path, anything else is a checkpoint directory.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file whose [models] qwen/aya paths --model qwen|aya use.",
                                            valueName: "file"))
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

    func checkpoint(for model: String) throws -> URL {
        guard let kind = ModelKind(rawValue: model) else { return URL(fileURLWithPath: model) }
        let paths = try ScrawlConfig.load(path: config, explicit: config != nil).models
        let path = paths.path(for: kind)
        guard ModelPaths.hasCheckpoint(at: path) else {
            throw ValidationError("no \(model) checkpoint at \(path): run `scrawl models pull \(model)`, set [models] \(model) in the configuration, or pass --model DIR")
        }
        return URL(fileURLWithPath: path)
    }
}
