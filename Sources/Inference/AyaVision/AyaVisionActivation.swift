import Foundation
import Kernels

/// SigLIP's MLP activation, named by `vision_config.hidden_act`.
enum AyaVisionActivation {
    static func apply(_ name: String, _ x: UnsafeMutablePointer<Float>, count: Int) throws {
        switch name {
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast":
            geluTanh(x, count: count)
        case "gelu":
            Activations.geluErf(x, count: count)
        case "quick_gelu":
            Activations.quickGELU(x, count: count)
        case "silu", "swish":
            Activations.silu(x, count: count)
        default:
            throw CheckpointError.invalidValue(path: "config.json", key: "vision_config.hidden_act",
                                               reason: "\(name) is not supported")
        }
    }

    /// torch.nn.functional.gelu(x, approximate="tanh"): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let k = Float(0.7978845608028654)
        Parallel.chunks(count, granule: 1024) { range in
            for i in range {
                let v = x[i]
                x[i] = 0.5 * v * (1 + tanhf(k * (v + 0.044715 * v * v * v)))
            }
        }
    }
}
