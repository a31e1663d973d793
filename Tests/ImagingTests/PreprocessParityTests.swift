import XCTest
@testable import Imaging

/// decode → smart_resize → bicubic → normalise → patchify equals transformers' slow
/// Qwen2VLImageProcessor `pixel_values` within 1e-5.
final class PreprocessParityTests: XCTestCase {
    func testPipelineMatchesQwen2VLImageProcessor() throws {
        let cases = try ImagingFixtures.manifest().preprocess
        XCTAssertGreaterThanOrEqual(cases.count, 3)
        for item in cases {
            let decoded = try ImageDecoder.decode(fileAt: ImagingFixtures.path(item.file))
            let factor = item.patchSize * item.mergeSize
            let size = try SmartResize.size(height: decoded.image.height, width: decoded.image.width, factor: factor,
                                            minPixels: item.minPixels, maxPixels: item.maxPixels)
            let resized = BicubicResampler.resize(decoded.image, width: size.width, height: size.height)
            let normalized = Normalizer.normalize(resized, mean: item.mean, std: item.std)
            let patches = Patchifier.patches(normalized, patchSize: item.patchSize,
                                             temporalPatchSize: item.temporalPatchSize, mergeSize: item.mergeSize)
            XCTAssertEqual([patches.gridH, patches.gridW, patches.rows, patches.cols],
                           [item.gridH, item.gridW, item.rows, item.cols], item.file)
            let expected = try ImagingFixtures.floats(item.values)
            XCTAssertEqual(patches.values.count, expected.count, item.file)
            let worst = zip(patches.values, expected).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst, 1e-5, "\(item.file): max |diff| \(worst)")
        }
    }

    func testNormalizerRoundsLikeNumpy() {
        let image = RGBImage(width: 1, height: 1, pixels: [0, 128, 255])
        let out = Normalizer.normalize(image, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])
        XCTAssertEqual(out.planes, [-2.0, (Float(128.0 / 255.0) - 0.5) / 0.25, (Float(1.0) - 0.5) / 0.25])
    }

    func testPatchOrderIsWindowMajor() {
        // 56×28 image (w×h): grid 2×4 patches of 14, one row of two 2×2 windows. Plane value = x + 100·y + 10000·c.
        let w = 56, h = 28
        var planes = [Float](repeating: 0, count: 3 * w * h)
        for c in 0..<3 { for y in 0..<h { for x in 0..<w { planes[(c * h + y) * w + x] = Float(x + 100 * y + 10000 * c) } } }
        let out = Patchifier.patches(NormalizedImage(width: w, height: h, planes: planes), patchSize: 14, temporalPatchSize: 2, mergeSize: 2)
        XCTAssertEqual([out.rows, out.cols, out.gridH, out.gridW], [8, 1176, 2, 4])
        // Row r = window(bw) * 4 + mh * 2 + mw; first value = pixel (top-left of the patch, channel 0).
        let tops = (0..<8).map { out.values[$0 * 1176] }
        XCTAssertEqual(tops, [0, 14, 1400, 1414, 28, 42, 1428, 1442])
        // Inside a row: (c, t, y, x); t = 1 repeats t = 0; channel 1 starts at 2·196.
        XCTAssertEqual(out.values[3 * 1176 + 196], out.values[3 * 1176])
        XCTAssertEqual(out.values[3 * 1176 + 392], 10000 + 1414)
        XCTAssertEqual(out.values[3 * 1176 + 14 + 2], 1414 + 100 + 2)
    }
}
