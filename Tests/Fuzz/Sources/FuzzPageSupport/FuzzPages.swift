import FuzzSupport
import Imaging

/// Opens fuzz input as a scan of `format` and reads every page (at most `maxPages`) and text layer.
/// Errors are expected; a crash, a sanitizer report, a wrong format, a page whose shape breaks the
/// limits or the budget, or a hang past libFuzzer's -timeout is a finding.
public func fuzzPages(_ data: [UInt8], format: ImageFormat, limits: ImageLimits, pixelBudget: Int?, maxPages: Int = 4) {
    guard ImageFormatSniffer.sniff(data) == format else { return }
    guard let source = try? ScanOpener.open(data: data, limits: limits) else { return }
    guard source.format == format, source.pageCount >= 1, source.pageCount <= limits.maxPages else {
        fuzzFailure("\(format) opened as \(source.format) with \(source.pageCount) pages (limit \(limits.maxPages))")
    }
    for index in 0..<min(source.pageCount, maxPages) {
        if let page = try? source.page(index, pixelBudget: pixelBudget) {
            let image = page.image
            let pixels = image.width * image.height
            guard image.width > 0, image.height > 0, pixels <= limits.maxPixels, image.pixels.count == pixels * 3,
                  pixels <= (pixelBudget ?? Int.max) || format != .pdf else {
                fuzzFailure("\(format) page \(index + 1): \(image.width)x\(image.height) with \(image.pixels.count) bytes")
            }
        }
        _ = try? source.textLayer(index)
    }
}
