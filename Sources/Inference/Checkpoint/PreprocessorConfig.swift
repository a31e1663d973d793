/// preprocessor_config.json of a Qwen2-VL-style image processor (reference §3.3).
///
/// The pixel budget is read as transformers 4.57.6's `Qwen2VLImageProcessorFast.__init__` reads it
/// (the processor `AutoImageProcessor` gives whenever torchvision is installed), which covers every
/// form transformers releases have written:
/// - top-level `min_pixels` / `max_pixels` (the published Qwen2-VL files): they always win;
/// - `size: {"min_pixels", "max_pixels"}` beside them (4.45–4.48 saves): the top-level values replace
///   them; without top-level values this form is refused, as 4.57 refuses it;
/// - `size: {"shortest_edge", "longest_edge"}` (4.49+ saves): used where no top-level value is given;
/// - nothing: the class defaults 3136 / 1,003,520.
/// (4.57.6's slow `Qwen2VLImageProcessor` differs in one case: it resets a `size` that has both edges
/// to the class defaults, so `size`-only files get the default budget there.)
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
        (minPixels, maxPixels) = try Self.pixelBudget(json)
        self.patchSize = try json?.int("patch_size", in: ConfigLimits.patch) ?? patchSize
        self.temporalPatchSize = try json?.int("temporal_patch_size", in: ConfigLimits.factor) ?? temporalPatchSize
        self.mergeSize = try json?.int("merge_size", in: ConfigLimits.factor) ?? mergeSize
        imageMean = try json?.doubles("image_mean") ?? Self.clipMean
        imageStd = try json?.doubles("image_std") ?? Self.clipStd
        rescaleFactor = try json?.double("rescale_factor") ?? 1.0 / 255.0
        if let json {
            guard imageMean.count == 3, imageStd.count == 3 else {
                throw CheckpointError.invalidValue(path: json.path, key: "image_mean/image_std", reason: "must hold 3 values each")
            }
            guard !imageStd.contains(0), rescaleFactor > 0 else {
                throw CheckpointError.invalidValue(path: json.path, key: "image_std/rescale_factor", reason: "must be non-zero")
            }
            guard minPixels > 0, maxPixels >= minPixels else {
                throw CheckpointError.invalidValue(path: json.path, key: "max_pixels",
                                                   reason: "(\(maxPixels)) must be ≥ min_pixels (\(minPixels)) > 0")
            }
            for (key, value) in [("patch_size", self.patchSize), ("temporal_patch_size", self.temporalPatchSize),
                                 ("merge_size", self.mergeSize)] where value <= 0 {
                throw CheckpointError.invalidValue(path: json.path, key: key, reason: "(\(value)) must be positive")
            }
        }
    }

    /// (min_pixels, max_pixels) by the fast processor's rule: `size` (default: the class's edges), with
    /// the top-level values written over it; what is left must name both edges.
    static func pixelBudget(_ json: JSONObject?) throws -> (Int, Int) {
        guard let json else { return (defaultMinPixels, defaultMaxPixels) }
        var shortest = defaultMinPixels, longest = defaultMaxPixels
        var missing = [String]()
        if json.has("size") {
            guard let size = json.object("size") else {
                throw CheckpointError.invalidValue(path: json.path, key: "size", reason: "must be an object")
            }
            let edges = (try size.int("shortest_edge", in: ConfigLimits.pixels), try size.int("longest_edge", in: ConfigLimits.pixels))
            shortest = edges.0 ?? 0
            longest = edges.1 ?? 0
            if edges.0 == nil { missing.append("shortest_edge") }
            if edges.1 == nil { missing.append("longest_edge") }
        }
        if let value = try json.int("min_pixels", in: ConfigLimits.pixels) {
            shortest = value
            missing.removeAll { $0 == "shortest_edge" }
        }
        if let value = try json.int("max_pixels", in: ConfigLimits.pixels) {
            longest = value
            missing.removeAll { $0 == "longest_edge" }
        }
        guard missing.isEmpty else {
            throw CheckpointError.invalidValue(
                path: json.path, key: "size",
                reason: "has no \(missing.joined(separator: "/")) and no top-level min_pixels/max_pixels replace it "
                    + "(transformers 4.57 refuses this too); write \"min_pixels\" and \"max_pixels\" at the top level")
        }
        return (shortest, longest)
    }
}
