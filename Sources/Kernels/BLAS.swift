import COpenBLAS

/// Thin, typed wrappers over OpenBLAS. OpenBLAS runs single-threaded: the kernels split work
/// over `Parallel` themselves, so BLAS threads never compete with ours for the two cores.
public enum BLAS {
    private static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    /// C[m×n] = alpha·A[m×k]·op(B) + beta·C, row-major. `transB`: B is [n×k] (x·Wᵀ); else [k×n].
    public static func sgemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, transB: Bool,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = singleThreaded
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// y[n] = alpha·W[n×k]·x + beta·y.
    public static func sgemv(n: Int, k: Int, alpha: Float = 1, w: UnsafePointer<Float>, ldw: Int,
                             x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>) {
        _ = singleThreaded
        if n == 0 { return }
        cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(n), blasint(k), alpha, w, blasint(ldw), x, 1, beta, y, 1)
    }

    /// Name of the OpenBLAS core kernel in use (e.g. "Haswell", "Cooperlake").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
