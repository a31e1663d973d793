import CKernels

/// Row-wise normalisations with f32 statistics, vectorised for the kernel ISA (in place allowed).
public enum Norms {
    /// y = w ⊙ x / sqrt(mean(x²) + eps), per row of width n (Qwen2/LLaMA RMSNorm).
    public static func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, width n: Int, weight: UnsafePointer<Float>,
                               eps: Float, out: UnsafeMutablePointer<Float>, isa: KernelISA = .active) {
        Parallel.chunks(rows, granule: 8) { range in
            ck_rms_norm(isa.code, x + range.lowerBound * n, Int32(range.count), Int32(n), weight, eps, out + range.lowerBound * n)
        }
    }

    /// y = (x − mean)/sqrt(var + eps)·γ + β (biased variance), per row of width n.
    public static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width n: Int, weight: UnsafePointer<Float>,
                                 bias: UnsafePointer<Float>, eps: Float, out: UnsafeMutablePointer<Float>,
                                 isa: KernelISA = .active) {
        Parallel.chunks(rows, granule: 8) { range in
            ck_layer_norm(isa.code, x + range.lowerBound * n, Int32(range.count), Int32(n), weight, bias, eps,
                          out + range.lowerBound * n)
        }
    }
}
