import Foundation

/// The image side of an Aya Vision checkpoint: `preprocessor_config.json` (GotOcr2ImageProcessor) and
/// `processor_config.json` (AyaVisionProcessor: how an image is written into the prompt).
/// Defaults are the reference classes' defaults (transformers 4.57.6); note that the Aya processor
/// crops to tiles by default even though GotOcr2ImageProcessor's own default does not.
public struct AyaVisionPreprocessorConfig: Sendable, Equatable {
    public var tileWidth: Int = 364
    public var tileHeight: Int = 364
    public var cropToPatches: Bool = true
    public var minTiles: Int = 1
    public var maxTiles: Int = 12
    public var doResize: Bool = true
    public var doRescale: Bool = true
    public var rescaleFactor: Double = 1.0 / 255.0
    public var doNormalize: Bool = true
    public var mean: [Double] = [0.48145466, 0.4578275, 0.40821073]   // OPENAI_CLIP_MEAN, the class default
    public var std: [Double] = [0.26862954, 0.26130258, 0.27577711]   // OPENAI_CLIP_STD
    public var prompt = AyaVisionPromptFormat()

    public init() {}

    /// Reads both files from a checkpoint directory. A missing `processor_config.json` keeps the
    /// processor defaults; a missing `preprocessor_config.json` is an error (the tile size lives there).
    public static func load(checkpoint: URL) throws -> AyaVisionPreprocessorConfig {
        guard let pre = try JSONObject.load(checkpoint.appendingPathComponent("preprocessor_config.json")) else {
            throw CheckpointError.missingFile(path: checkpoint.appendingPathComponent("preprocessor_config.json").path)
        }
        var config = try AyaVisionPreprocessorConfig(json: pre)
        if let proc = try JSONObject.load(checkpoint.appendingPathComponent("processor_config.json"), optional: true) {
            config.prompt = try AyaVisionPromptFormat(json: proc)
        }
        return config
    }

    init(json pre: JSONObject) throws {
        if pre.has("size") {
            guard let size = pre.object("size") else {
                throw CheckpointError.invalidValue(path: pre.path, key: "size", reason: "must be an object with height and width")
            }
            if let h = try size.int("height", in: ConfigLimits.imageSide), let w = try size.int("width", in: ConfigLimits.imageSide) {
                tileHeight = h
                tileWidth = w
            } else if let edge = try size.int("shortest_edge", in: ConfigLimits.imageSide) {
                tileHeight = edge
                tileWidth = edge
            } else {
                throw CheckpointError.invalidValue(path: pre.path, key: "size", reason: "needs integer height and width")
            }
        }
        // AyaVisionProcessor calls the image processor with crop_to_patches=True (its `_defaults`), which
        // overrides the file: the real aya-vision-8b preprocessor_config.json says false and still tiles.
        _ = try pre.bool("crop_to_patches")
        cropToPatches = true
        minTiles = try pre.int("min_patches", in: ConfigLimits.tiles) ?? minTiles
        maxTiles = try pre.int("max_patches", in: ConfigLimits.tiles) ?? maxTiles
        doResize = try pre.bool("do_resize") ?? true
        doRescale = try pre.bool("do_rescale") ?? true
        rescaleFactor = try pre.double("rescale_factor") ?? rescaleFactor
        doNormalize = try pre.bool("do_normalize") ?? true
        mean = try Self.channels(pre, "image_mean") ?? mean
        std = try Self.channels(pre, "image_std") ?? std
        if let resample = try pre.int("resample"), resample != 3 {
            throw CheckpointError.invalidValue(path: pre.path, key: "resample",
                                               reason: "is \(resample); only 3 (bicubic, the Aya Vision setting) is supported")
        }
        guard tileWidth > 0, tileHeight > 0 else {
            throw CheckpointError.invalidValue(path: pre.path, key: "size", reason: "must be positive")
        }
        guard minTiles >= 1, maxTiles >= minTiles else {
            throw CheckpointError.invalidValue(path: pre.path, key: "min_patches/max_patches",
                                               reason: "must satisfy 1 <= min_patches <= max_patches")
        }
        guard !std.contains(0) else {
            throw CheckpointError.invalidValue(path: pre.path, key: "image_std", reason: "must not contain 0")
        }
    }

    /// One number for all channels, or a list of 3 (as the HF processors accept).
    private static func channels(_ json: JSONObject, _ key: String) throws -> [Double]? {
        if let list = try? json.doubles(key) {
            guard list.count == 3 else {
                throw CheckpointError.invalidValue(path: json.path, key: key, reason: "must hold 3 values")
            }
            return list
        }
        return try json.double(key).map { Array(repeating: $0, count: 3) }
    }
}
