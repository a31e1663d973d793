import Foundation
import Inference
import Kernels

/// What `scrawl bench` divides its timings by: the weight bytes one decode step streams (every language
/// weight once; the tied embedding as the output head) and the vision tower's FLOPs for an image.
struct BenchWorkload {
    /// Bytes of every tensor outside the vision tower and projector.
    let decodeBytesPerToken: Int
    /// The same with the language matrices as Q8_0 (`--weights int8`).
    let decodeBytesPerTokenQ8: Int
    /// Qwen2-VL vision config (nil for other models: no GFLOP/s figure).
    let vision: (depth: Int, width: Int, mlp: Int, patchValues: Int, merge: Int)?

    init(checkpoint path: String) throws {
        let ck = try CheckpointDirectory(url: URL(fileURLWithPath: path), normalizeName: { $0 })
        let visionMarkers = ["visual.", "vision_tower", "multi_modal_projector"]
        let language = ck.tensorNames.filter { name in !visionMarkers.contains { name.contains($0) } }
        decodeBytesPerToken = try language.reduce(0) { $0 + (try ck.info($1).info.byteCount) }
        // Q8_0: 34 bytes a block of 32 for every matrix, vectors (norms, biases) as stored
        decodeBytesPerTokenQ8 = try language.reduce(0) { total, name in
            let info = try ck.info(name).info
            return total + (info.shape.count >= 2 ? info.elementCount * 34 / 32 : info.byteCount)
        }
        if try ck.config.string("model_type") == "qwen2_vl", let v = ck.config.object("vision_config"),
           let depth = try v.int("depth"), let width = try v.int("embed_dim") {
            let patch = try v.int("patch_size") ?? 14
            vision = (depth, width, width * (try v.int("mlp_ratio") ?? 4),
                      (try v.int("in_chans") ?? 3) * (try v.int("temporal_patch_size") ?? 2) * patch * patch,
                      try v.int("spatial_merge_size") ?? 2)
        } else {
            vision = nil
        }
    }

    /// FLOPs of the patch embedding and every ViT block (the merger counts in prefill, as bench's phases do)
    /// for an image of `imageTokens` merged tokens: per block qkv, proj, fc1, fc2 and full attention.
    func visionFLOPs(imageTokens: Int) -> Double? {
        guard let v = vision else { return nil }
        let n = Double(imageTokens * v.merge * v.merge), d = Double(v.width), mlp = Double(v.mlp)
        let block = 2 * n * (4 * d * d + 2 * d * mlp) + 4 * n * n * d
        return 2 * n * Double(v.patchValues) * d + Double(v.depth) * block
    }
}
