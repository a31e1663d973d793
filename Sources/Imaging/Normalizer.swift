/// transformers' `rescale` then `normalize`, with the same roundings: `Float(Double(u8) * rescale)`
/// (numpy float64 multiply, cast to float32), then `(x − Float(mean)) / Float(std)` in Float32.
public enum Normalizer {
    /// `mean`/`std` hold one value per channel (R, G, B); a single value applies to all three
    /// (an empty array means 0 / 1).
    public static func normalize(_ img: RGBImage, mean: [Double], std: [Double], rescale: Double = 1.0 / 255.0) -> NormalizedImage {
        let plane = img.width * img.height
        var planes = [Float](repeating: 0, count: plane * 3)
        for channel in 0..<3 {
            let m = Float(value(mean, channel, default: 0))
            let s = Float(value(std, channel, default: 1))
            // 256 possible inputs: build the table once per channel.
            let table = (0..<256).map { (Float(Double($0) * rescale) - m) / s }
            for index in 0..<plane {
                planes[channel * plane + index] = table[Int(img.pixels[index * 3 + channel])]
            }
        }
        return NormalizedImage(width: img.width, height: img.height, planes: planes)
    }

    private static func value(_ values: [Double], _ channel: Int, default fallback: Double) -> Double {
        guard !values.isEmpty else { return fallback }
        return values[min(channel, values.count - 1)]
    }
}
