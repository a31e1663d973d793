import Foundation

/// How AyaVisionProcessor writes one image into the prompt (`processing_aya_vision.py`,
/// `_prompt_split_image`): the chat template's `<image>` becomes
/// `<|START_OF_IMG|>` + for each local tile i = 1..n-1: `TILE_i` + P × `<|IMG_PATCH|>`
/// + `TILE_GLOBAL` + P × `<|IMG_PATCH|>` + `<|END_OF_IMG|>`, where n counts the thumbnail and
/// P = (img_size / (patch_size · downsample_factor))². `TILE_i` and `TILE_GLOBAL` are plain text
/// (tokenized by the BPE), not special tokens; `<|IMG_LINE_BREAK|>` is not used by 4.57.6.
public struct AyaVisionPromptFormat: Sendable, Equatable {
    public var imagePlaceholder = "<image>"
    public var startOfImage = "<|START_OF_IMG|>"
    public var endOfImage = "<|END_OF_IMG|>"
    public var patchToken = "<|IMG_PATCH|>"
    public var tileToken = "TILE"
    public var tileGlobalToken = "TILE_GLOBAL"
    /// Side of one tile in pixels as the processor sees it (`img_size`).
    public var imageSize = 364
    /// Pixels per prompt token along one side (`patch_size` × `downsample_factor` of the processor).
    public var tokenPatchSize = 28

    public init() {}

    init(json: JSONObject) throws {
        imagePlaceholder = try json.string("image_token") ?? imagePlaceholder
        startOfImage = try json.string("start_of_img_token") ?? startOfImage
        endOfImage = try json.string("end_of_img_token") ?? endOfImage
        patchToken = try json.string("img_patch_token") ?? patchToken
        tileToken = try json.string("tile_token") ?? tileToken
        tileGlobalToken = try json.string("tile_global_token") ?? tileGlobalToken
        imageSize = try json.int("img_size", in: ConfigLimits.imageSide) ?? imageSize
        tokenPatchSize = (try json.int("patch_size", in: ConfigLimits.patch) ?? 28) * (try json.int("downsample_factor", in: ConfigLimits.factor) ?? 1)
        guard imageSize > 0, tokenPatchSize > 0, imageSize >= tokenPatchSize else {
            throw CheckpointError.invalidValue(path: json.path, key: "img_size/patch_size",
                                               reason: "must be positive with img_size >= patch_size")
        }
    }

    /// Prompt tokens per tile (169 for the real 364-px tiles).
    public var tokensPerTile: Int {
        let side = imageSize / tokenPatchSize
        return side * side
    }

    /// The text that replaces the image placeholder for an image cut into `tileCount` tiles
    /// (the thumbnail included; 1 means the whole image as one tile).
    public func imageText(tileCount: Int) -> String {
        let patches = String(repeating: patchToken, count: tokensPerTile)
        var text = startOfImage
        if tileCount > 1 {
            for index in 1..<tileCount {
                text += "\(tileToken)_\(index)" + patches
            }
        }
        text += tileGlobalToken + patches + endOfImage
        return text
    }

    /// Replaces the single image placeholder of a rendered chat prompt.
    public func expand(renderedPrompt: String, tileCount: Int) throws -> String {
        let parts = renderedPrompt.components(separatedBy: imagePlaceholder)
        guard parts.count == 2 else {
            throw AyaVisionError.placeholderCount(found: parts.count - 1, placeholder: imagePlaceholder)
        }
        return parts[0] + imageText(tileCount: tileCount) + parts[1]
    }
}
