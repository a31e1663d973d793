import ArgumentParser
import Daemon
import Foundation

/// `--config` for the commands that run a model: `--model qwen|aya` means the configuration's
/// `[models]` path, anything else is a checkpoint directory.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file whose [models] qwen/aya paths --model qwen|aya use.",
                                            valueName: "file"))
    var config: String?

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
