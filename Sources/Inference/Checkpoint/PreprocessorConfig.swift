/// preprocessor_config.json of a Qwen2-VL-style image processor (reference §3.3). Precedence for the
/// pixel budget: explicit `min_pixels`/`max_pixels` > `size.shortest_edge`/`size.longest_edge` >
/// the class defaults 3136 / 1,003,520.
public struct PreprocessorConfig: Sendable, Equatable {
    public var minPixels: Int
    public var maxPixels: Int
    public var patchSize: Int
    public var temporalPatchSize: Int
    public var mergeSize: Int
    public var imageMean: [Double]
    public var imageStd: [Double]
    public var rescaleFactor: Double

    public static let defaultMinPixels = 56 * 56
    public static let defaultMaxPixels = 28 * 28 * 1280
    static let clipMean: [Double] = [0.48145466, 0.4578275, 0.40821073]
    static let clipStd: [Double] = [0.26862954, 0.26130258, 0.27577711]

    public init(json: JSONObject?, patchSize: Int, temporalPatchSize: Int, mergeSize: Int) throws {
        let size = json?.object("size")
        minPixels = try json?.int("min_pixels") ?? size?.int("shortest_edge") ?? Self.defaultMinPixels
        maxPixels = try json?.int("max_pixels") ?? size?.int("longest_edge") ?? Self.defaultMaxPixels
        self.patchSize = try json?.int("patch_size") ?? patchSize
        self.temporalPatchSize = try json?.int("temporal_patch_size") ?? temporalPatchSize
        self.mergeSize = try json?.int("merge_size") ?? mergeSize
        imageMean = try json?.doubles("image_mean") ?? Self.clipMean
        imageStd = try json?.doubles("image_std") ?? Self.clipStd
        rescaleFactor = try json?.double("rescale_factor") ?? 1.0 / 255.0
        if let json {
            guard imageMean.count == 3, imageStd.count == 3 else {
                throw CheckpointError.invalidValue(path: json.path, key: "image_mean/image_std", reason: "must hold 3 values each")
            }
            guard minPixels > 0, maxPixels >= minPixels else {
                throw CheckpointError.invalidValue(path: json.path, key: "max_pixels",
                                                   reason: "(\(maxPixels)) must be ≥ min_pixels (\(minPixels)) > 0")
            }
        }
    }
}
