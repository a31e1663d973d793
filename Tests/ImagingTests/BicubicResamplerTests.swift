import XCTest
@testable import Imaging

/// Bit-exactness of the resampler against Pillow 13's `resize(size, BICUBIC, reducing_gap=None)`.
final class BicubicResamplerTests: XCTestCase {
    func testEveryFixtureSizePairMatchesPILBitForBit() throws {
        let sources = try ImagingFixtures.manifest().resize
        var checked = 0, verticalFirst = 0
        for source in sources {
            let image = RGBImage(width: source.width, height: source.height, pixels: try ImagingFixtures.bytes(source.source))
            for target in source.targets {
                let out = BicubicResampler.resize(image, width: target.width, height: target.height)
                XCTAssertEqual([out.width, out.height], [target.width, target.height])
                XCTAssertEqual(SHA256.hex(out.pixels), target.sha256,
                               "\(source.source) → \(target.width)x\(target.height) (vertical first: \(target.verticalFirst))")
                checked += 1
                if target.verticalFirst { verticalFirst += 1 }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 100)
        XCTAssertGreaterThanOrEqual(verticalFirst, 10, "the Pillow 13 vertical-first order must be exercised")
    }

    /// The pass order matters: for some fixture pairs the Pillow ≤ 12 order (always horizontal
    /// first) gives different pixels, and only the Pillow 13 order matches PIL here.
    func testPillow12PassOrderWouldDiffer() throws {
        var differing = 0
        for source in try ImagingFixtures.manifest().resize {
            let image = RGBImage(width: source.width, height: source.height, pixels: try ImagingFixtures.bytes(source.source))
            for target in source.targets {
                let rule = BicubicResampler.pillow13VerticalFirst(from: (source.width, source.height), to: (target.width, target.height))
                XCTAssertEqual(rule, target.verticalFirst, "\(target.width)x\(target.height)")
                guard target.verticalFirst else { continue }
                let old = BicubicResampler.resize(image, width: target.width, height: target.height, verticalFirst: false)
                if SHA256.hex(old.pixels) != target.sha256 { differing += 1 }
            }
        }
        XCTAssertGreaterThan(differing, 0, "no fixture distinguishes the Pillow 13 pass order")
    }

    func testIdentityAndDegenerateSizes() {
        let image = RGBImage(width: 4, height: 3, pixels: (0..<36).map { UInt8($0 * 7 % 256) })
        XCTAssertEqual(BicubicResampler.resize(image, width: 4, height: 3), image)
        let empty = BicubicResampler.resize(image, width: 0, height: 5)
        XCTAssertEqual([empty.width, empty.height, empty.pixels.count], [0, 5, 0])
        let flat = RGBImage(width: 9, height: 7, pixels: [UInt8](repeating: 77, count: 9 * 7 * 3))
        let resized = BicubicResampler.resize(flat, width: 20, height: 3)
        XCTAssertEqual(Set(resized.pixels), [77], "a constant image stays constant")
    }

    func testCoefficientsSumToOneInFixedPoint() {
        for (inSize, outSize) in [(100, 37), (37, 100), (3508, 3500), (5, 1), (1, 5)] {
            let c = ResampleCoefficients(inSize: inSize, outSize: outSize)
            for out in 0..<outSize {
                let sum = (0..<c.kernelSize).reduce(0) { $0 + Int(c.weights[out * c.kernelSize + $1]) }
                XCTAssertLessThanOrEqual(abs(sum - (1 << 22)), c.kernelSize, "\(inSize)→\(outSize) sample \(out)")
                XCTAssertLessThanOrEqual(c.first[out] + c.count[out], inSize)
            }
        }
    }
}
