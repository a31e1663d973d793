import RemoteEngine

/// One model of the registry: a name and where it runs — a checkpoint folder read on this machine, or
/// an OpenAI-compatible endpoint (`[models.NAME]` with `url`).
public struct ModelSpec: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A checkpoint directory (config.json's `model_type` picks the engine).
        case checkpoint(path: String)
        /// A server that reads the scans (vLLM, llama-server, Ollama, transformers serve, …).
        case remote(RemoteEndpoint)
    }

    public var name: ModelName
    public var source: Source
    /// A checkpoint's weights: "checkpoint" (its own tensors) or "int8" (the language model's linear
    /// layers as Q8_0, cached under `<state_dir>/int8-cache`); `weights = "int8"` in `[models.NAME]`.
    public var weights: String

    public init(name: ModelName, source: Source, weights: String = "checkpoint") {
        self.name = name
        self.source = source
        self.weights = weights
    }

    /// The checkpoint folder, nil for a remote model.
    public var checkpointPath: String? {
        if case .checkpoint(let path) = source { return path }
        return nil
    }

    public var remote: RemoteEndpoint? {
        if case .remote(let endpoint) = source { return endpoint }
        return nil
    }
}
