/// CMYK JPEG pixels → RGB exactly as PIL: the decoder reads Adobe-inverted CMYK ("CMYK;I"),
/// then `convert("RGB")` computes, with nk = 255 − K, R = nk − ⌊C·nk / 255⌉ (PIL's MULDIV255).
enum CMYKConversion {
    static func adobeInvertedToRGB(_ stored: [UInt8]) -> [UInt8] {
        let count = stored.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for index in 0..<count {
            // PIL inverts the stored (Adobe) values: c = 255 − stored.
            let nk = Int(stored[index * 4 + 3])   // 255 − k = stored k
            for channel in 0..<3 {
                let c = 255 - Int(stored[index * 4 + channel])
                let product = c * nk + 128
                let scaled = ((product >> 8) + product) >> 8
                rgb[index * 3 + channel] = UInt8(clamping: nk - scaled)
            }
        }
        return rgb
    }
}
