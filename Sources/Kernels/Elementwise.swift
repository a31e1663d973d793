/// Simple element-wise vector ops.
public enum Elementwise {
    /// dst += src.
    public static func add(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
        Parallel.chunks(count, granule: 4096) { r in
            for i in r { dst[i] += src[i] }
        }
    }
}
