/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the BICUBIC filter (a = −0.5) on one
/// axis, reproduced operation by operation in Double, then rounded to 22-bit fixed point.
struct ResampleCoefficients: Sendable {
    static let precisionBits = 22

    /// Taps reserved per output sample.
    let kernelSize: Int
    /// First input index of output sample i.
    let first: [Int]
    /// Number of input samples used by output sample i.
    let count: [Int]
    /// `kernelSize` fixed-point weights per output sample (unused tail is zero).
    let weights: [Int32]

    init(inSize: Int, outSize: Int) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 2.0 * filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * kernelSize)
        var k = [Double](repeating: 0, count: kernelSize)
        let inverse = 1.0 / filterScale
        for out in 0..<outSize {
            let center = (Double(out) + 0.5) * scale
            let xmin = max(0, Int((center - support + 0.5).rounded(.towardZero)))
            let xmax = min(inSize, Int((center + support + 0.5).rounded(.towardZero))) - xmin
            var total = 0.0
            for tap in 0..<max(0, xmax) {
                let w = Self.bicubic((Double(tap + xmin) - center + 0.5) * inverse)
                k[tap] = w
                total += w
            }
            for tap in 0..<max(0, xmax) {
                let w = total != 0 ? k[tap] / total : k[tap]
                let scaled = w * Double(1 << Self.precisionBits)
                weights[out * kernelSize + tap] = Int32((w < 0 ? -0.5 + scaled : 0.5 + scaled).rounded(.towardZero))
            }
            first[out] = xmin
            count[out] = max(0, xmax)
        }
        self.kernelSize = kernelSize
        self.first = first
        self.count = count
        self.weights = weights
    }

    /// Pillow's `bicubic_filter`, same evaluation order.
    @inline(__always)
    static func bicubic(_ value: Double) -> Double {
        let a = -0.5
        let x = value < 0 ? -value : value
        if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
        if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0.0
    }
}
