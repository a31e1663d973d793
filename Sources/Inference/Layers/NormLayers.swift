import Kernels

/// RMSNorm weights (Qwen2 decoder).
public struct RMSNorm: @unchecked Sendable {
    public let weight: FloatBuffer
    public let eps: Float

    public init(_ checkpoint: CheckpointDirectory, _ name: String, width: Int, eps: Float) throws {
        weight = FloatBuffer(try checkpoint.vector(name, count: width))
        self.eps = eps
    }

    public func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>) {
        Norms.rmsNorm(x, rows: rows, width: weight.count, weight: weight.pointer, eps: eps, out: out)
    }
}

/// LayerNorm with weight and bias (ViT blocks), or bias-free (Cohere2: `hasBias: false`, a zero bias).
public struct LayerNorm: @unchecked Sendable {
    public let weight: FloatBuffer
    public let bias: FloatBuffer
    public let eps: Float

    public init(_ checkpoint: CheckpointDirectory, _ prefix: String, width: Int, eps: Float, hasBias: Bool = true) throws {
        weight = FloatBuffer(try checkpoint.vector(prefix + ".weight", count: width))
        bias = hasBias ? FloatBuffer(try checkpoint.vector(prefix + ".bias", count: width)) : FloatBuffer(count: width)
        self.eps = eps
    }

    public func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>) {
        Norms.layerNorm(x, rows: rows, width: weight.count, weight: weight.pointer, bias: bias.pointer, eps: eps, out: out)
    }
}
