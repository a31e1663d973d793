import Kernels

/// Deterministic pseudo-random values in [-1, 1) (SplitMix64) so failures reproduce.
struct SeededValues {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }
    mutating func array(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
}

func bf16Round(_ x: [Float]) -> [Float] { x.map { BFloat16.toFloat(BFloat16.fromFloat($0)) } }

/// Reference x·Wᵀ + b in f64.
func naiveLinear(_ x: [Float], m: Int, k: Int, _ w: [Float], n: Int, bias: [Float]?) -> [Float] {
    var out = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s: Double = bias.map { Double($0[j]) } ?? 0
            for t in 0..<k { s += Double(x[i * k + t]) * Double(w[j * k + t]) }
            out[i * n + j] = Float(s)
        }
    }
    return out
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

extension SeededValues {
    /// `n` values from a copy of this generator (for `let` call sites).
    func arrayCopy(_ n: Int) -> [Float] {
        var copy = self
        return copy.array(n)
    }
}
