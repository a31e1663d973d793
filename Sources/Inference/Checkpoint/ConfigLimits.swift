/// The ranges every checkpoint config integer is checked against at load. Upper bounds sit far above
/// any published model (Qwen2-VL-72B: hidden 8192, 80 layers, 29,568 intermediate; Aya Vision 32B:
/// 64 layers, 256,000 vocab) and far below what would overflow a buffer size.
public enum ConfigLimits {
    public static let width = 1...65_536          // hidden sizes, embedding widths
    public static let ffn = 1...1_048_576         // intermediate (MLP) sizes
    public static let layers = 1...1_024
    public static let heads = 1...1_024
    public static let headDim = 1...4_096
    public static let vocab = 1...4_194_304
    public static let context = 1...16_777_216    // max_position_embeddings, sliding_window
    public static let patch = 1...1_024           // patch sizes
    public static let factor = 1...64             // merge / downsample / temporal factors
    public static let channels = 1...16
    public static let imageSide = 1...65_536      // image and tile sides in pixels
    public static let pixels = 1...1_073_741_824  // pixel budgets (min/max_pixels)
    public static let tiles = 1...1_024

    /// A token id of a vocabulary of `vocabSize`.
    public static func tokenID(vocabSize: Int) -> ClosedRange<Int> { 0...max(0, vocabSize - 1) }
}
