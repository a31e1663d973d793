import Foundation

/// Which weights an engine computes with.
public enum WeightLoading: Sendable, Equatable {
    /// The checkpoint's own tensors (f32, bf16 or f16), memory-mapped.
    case checkpoint
    /// The language model's linear layers (and output head) as Q8_0 copies, kept in a cache file in
    /// `cacheDirectory` (quantized on first use; rebuilt when the checkpoint changes). The vision tower
    /// and the embeddings stay as stored.
    case int8(cacheDirectory: URL)

    /// The values of `--weights` and the config's `weights` key.
    public static let names = ["checkpoint", "int8"]

    /// int8 weights cached under a state directory (`<state_dir>/int8-cache`, beside the catalog and models).
    public static func int8(stateDirectory: String) -> WeightLoading {
        .int8(cacheDirectory: URL(fileURLWithPath: stateDirectory).appendingPathComponent("int8-cache"))
    }
}

/// What happened to the int8 cache when an engine loaded.
public struct Int8CacheState: Sendable, Equatable {
    /// The cache file.
    public let file: String
    /// Whether this load quantized the weights (false: read from the file).
    public let built: Bool
    /// A problem or a rebuild reason, for logs (nil when the file was simply used or made).
    public let note: String?
}
