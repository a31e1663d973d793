import Kernels

/// How 16-bit checkpoints compute: `.native` rounds activations to bf16 for the products (as the
/// reference's bf16 mode does; AVX-512 BF16 kernels), `.float32` widens weights to f32 (slower,
/// matches an f32-compute reference to rounding).
public enum Arithmetic: Sendable, Equatable {
    case native
    case float32

    /// The one rule every model's attention follows: 16-bit products when the weights are 16-bit,
    /// arithmetic is native and several query rows share the work (vision tower, prefill); f32 for
    /// f32 weights, `.float32` runs, and single-row decode steps.
    public func attentionPrecision(weights: WeightElement, queries: Int) -> Attention.Precision {
        self == .native && weights != .f32 && queries > 1 ? .bf16 : .f32
    }
}
