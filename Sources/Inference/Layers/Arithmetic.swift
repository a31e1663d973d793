/// How bf16 checkpoints compute: `.native` rounds activations to bf16 for the products (as the
/// reference's bf16 mode does; AVX-512 BF16 kernels), `.float32` widens weights to f32 (slower,
/// matches an f32-compute reference to rounding).
public enum Arithmetic: Sendable, Equatable {
    case native
    case float32
}
