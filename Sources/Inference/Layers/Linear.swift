import Kernels

/// `y = x·Wᵀ + b` with the weight kept where the checkpoint stored it.
public struct Linear: @unchecked Sendable {
    public let weight: WeightMatrix
    public let bias: FloatBuffer?
    /// Whether bf16 weights may use bf16 arithmetic (activations rounded to bf16, f32 accumulation).
    public var arithmetic: Arithmetic = .native

    public var inFeatures: Int { weight.cols }
    public var outFeatures: Int { weight.rows }

    public init(weight: WeightMatrix, bias: [Float]?) {
        self.weight = weight
        self.bias = bias.map(FloatBuffer.init)
    }

    /// Loads `<prefix>.weight` [out, in] and, when `bias` is set, `<prefix>.bias` [out]. `language`: a
    /// language-model weight, given as Q8_0 when the checkpoint is loaded with int8 weights.
    public init(_ checkpoint: CheckpointDirectory, _ prefix: String, out: Int, in inFeatures: Int, bias: Bool,
                arithmetic: Arithmetic = .native, language: Bool = false) throws {
        self.arithmetic = arithmetic
        weight = language ? try checkpoint.languageMatrix(prefix + ".weight", rows: out, cols: inFeatures)
            : try checkpoint.matrix(prefix + ".weight", rows: out, cols: inFeatures)
        self.bias = bias ? FloatBuffer(try checkpoint.vector(prefix + ".bias", count: out)) : nil
    }

    /// out[rows × outFeatures] = x[rows × inFeatures]·Wᵀ + b.
    public func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>,
                               ldx: Int? = nil, ldo: Int? = nil) {
        MatMul.linear(x, rows: rows, ldx: ldx, weight: weight, bias: bias.map { UnsafePointer($0.pointer) }, out: out, ldo: ldo,
                     bf16Arithmetic: arithmetic == .native)
    }
}
