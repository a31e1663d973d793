import CKernels
import Foundation

/// Element-wise activations (in place), vectorised for the kernel ISA.
public enum Activations {
    /// x·sigmoid(1.702·x) — CLIP's QuickGELU (Qwen2-VL vision MLP).
    public static func quickGELU(_ x: UnsafeMutablePointer<Float>, count: Int, isa: KernelISA = .active) {
        Parallel.chunks(count, granule: 1024) { r in ck_quick_gelu(isa.code, x + r.lowerBound, r.count) }
    }

    /// x·sigmoid(x).
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int, isa: KernelISA = .active) {
        Parallel.chunks(count, granule: 1024) { r in ck_silu(isa.code, x + r.lowerBound, r.count) }
    }

    /// gate ← SiLU(gate) ⊙ up (SwiGLU).
    public static func siluMul(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
                               isa: KernelISA = .active) {
        Parallel.chunks(count, granule: 1024) { r in ck_silu_mul(isa.code, gate + r.lowerBound, up + r.lowerBound, r.count) }
    }

    /// Exact GELU 0.5·x·(1 + erf(x/√2)).
    public static func geluErf(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let invSqrt2 = Float(0.70710678118654752440)
        Parallel.chunks(count, granule: 1024) { r in
            for i in r { x[i] = 0.5 * x[i] * (1 + erff(x[i] * invSqrt2)) }
        }
    }
}
