import Foundation

/// Why `SmartResize.size` refused an input size.
public enum SmartResizeError: Error, CustomStringConvertible, Equatable, Sendable {
    case nonPositiveSize(height: Int, width: Int)
    case aspectRatioTooLarge(height: Int, width: Int)
    case invalidParameters(factor: Int, minPixels: Int, maxPixels: Int)

    public var description: String {
        switch self {
        case .nonPositiveSize(let h, let w):
            return "image size \(w)x\(h) has a zero or negative side; nothing to read"
        case .aspectRatioTooLarge(let h, let w):
            return "image \(w)x\(h) has an aspect ratio over 200 (the model's limit); crop it into shorter pieces"
        case .invalidParameters(let factor, let minPixels, let maxPixels):
            return "resize parameters factor \(factor), min_pixels \(minPixels), max_pixels \(maxPixels) are invalid; check preprocessor_config.json"
        }
    }
}

/// transformers' Qwen2-VL `smart_resize`: sides rounded (half to even) to multiples of `factor`,
/// then scaled to keep the pixel count within [minPixels, maxPixels]. Float64 arithmetic as Python.
public enum SmartResize {
    public static func size(height: Int, width: Int, factor: Int, minPixels: Int, maxPixels: Int) throws(SmartResizeError) -> (height: Int, width: Int) {
        guard height > 0, width > 0 else { throw .nonPositiveSize(height: height, width: width) }
        guard factor > 0, minPixels >= 0, maxPixels > 0 else {
            throw .invalidParameters(factor: factor, minPixels: minPixels, maxPixels: maxPixels)
        }
        let h = Double(height), w = Double(width), f = Double(factor)
        if max(h, w) / min(h, w) > 200 { throw .aspectRatioTooLarge(height: height, width: width) }
        var hBar = Int((h / f).rounded(.toNearestOrEven)) * factor
        var wBar = Int((w / f).rounded(.toNearestOrEven)) * factor
        if hBar * wBar > maxPixels {
            let beta = ((h * w) / Double(maxPixels)).squareRoot()
            hBar = max(factor, Int((h / beta / f).rounded(.down)) * factor)
            wBar = max(factor, Int((w / beta / f).rounded(.down)) * factor)
        } else if hBar * wBar < minPixels {
            let beta = (Double(minPixels) / (h * w)).squareRoot()
            hBar = Int((h * beta / f).rounded(.up)) * factor
            wBar = Int((w * beta / f).rounded(.up)) * factor
        }
        return (hBar, wBar)
    }
}
