import Foundation
import Kernels

/// The model registry: config.json's `model_type` → the engine that runs it, so a folder or a
/// `--model` pointing at any supported model gets the right code whatever it was called.
public enum EngineOpener {
    private struct Entry: Sendable {
        let modelType: String
        let open: @Sendable (URL, Arithmetic, Bool, WeightLoading) throws -> any CheckpointEngine
    }

    private static let entries: [Entry] = [
        entry(Qwen2VLModel.self),
        entry(AyaVisionModel.self),
    ]

    private static func entry<M: VisionLanguageModel>(_ model: M.Type) -> Entry {
        Entry(modelType: M.modelType) { url, arithmetic, prefetch, weights in
            try VisionLanguageEngine<M>(checkpoint: url, arithmetic: arithmetic, prefetch: prefetch, weights: weights)
        }
    }

    /// The CPU kernels every engine uses (chosen once per process; `SCRAWL_KERNEL_ISA` overrides).
    /// The kernel ISA and the GEMM kernel 16-bit weights use (logged at start, printed by bench).
    public static var kernelReport: String { KernelISA.report + "; gemm " + PackedGEMM.report }
    /// Why `SCRAWL_KERNEL_ISA` was not honoured, when it was not.
    public static var kernelWarning: String? { KernelISA.selectionWarning }

    /// The `model_type` values this build can run.
    public static var supportedModelTypes: [String] { entries.map(\.modelType) }

    /// config.json's `model_type` (qwen2_vl when absent, as the first Qwen2-VL exports wrote none).
    public static func modelType(checkpoint: URL) throws -> String {
        let configURL = checkpoint.appendingPathComponent("config.json")
        guard let config = try JSONObject.load(configURL) else { throw CheckpointError.missingFile(path: configURL.path) }
        return try config.string("model_type") ?? Qwen2VLModel.modelType
    }

    public static func open(checkpoint: URL, arithmetic: Arithmetic = .native, prefetch: Bool = true,
                            weights: WeightLoading = .checkpoint) throws -> any CheckpointEngine {
        let modelType = try modelType(checkpoint: checkpoint)
        guard let entry = entries.first(where: { $0.modelType == modelType }) else {
            throw CheckpointError.invalidValue(
                path: checkpoint.appendingPathComponent("config.json").path, key: "model_type",
                reason: "\"\(modelType)\" is not supported by this build (expected \(supportedModelTypes.joined(separator: " or ")))")
        }
        return try entry.open(checkpoint, arithmetic, prefetch, weights)
    }
}
