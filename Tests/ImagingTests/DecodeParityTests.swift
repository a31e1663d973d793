import XCTest
@testable import Imaging

/// Every fixture scan decodes to exactly the pixels `transformers.image_utils.load_image` gives on
/// Pillow 13, and every damaged one gives the right error.
final class DecodeParityTests: XCTestCase {
    func testSHA256Helper() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testDecodedPixelsEqualPIL() throws {
        let cases = try ImagingFixtures.manifest().decode.filter { $0.expect == "pixels" }
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for item in cases {
            guard let rgb = item.rgb, let width = item.width, let height = item.height else {
                XCTFail("\(item.file): manifest entry lacks rgb/width/height"); continue
            }
            let decoded: DecodedImage
            do {
                decoded = try ImageDecoder.decode(fileAt: ImagingFixtures.path(item.file))
            } catch {
                XCTFail("\(item.file): \(error)"); continue
            }
            XCTAssertEqual(decoded.format.rawValue, item.format, item.file)
            XCTAssertEqual(decoded.image.width, width, "\(item.file) width")
            XCTAssertEqual(decoded.image.height, height, "\(item.file) height")
            XCTAssertEqual(decoded.exifOrientation, item.orientation ?? 1, "\(item.file) orientation")
            let expected = try ImagingFixtures.bytes(rgb)
            guard decoded.image.pixels.count == expected.count else {
                XCTFail("\(item.file): \(decoded.image.pixels.count) bytes, PIL has \(expected.count)"); continue
            }
            var worst = 0, differing = 0
            for (ours, theirs) in zip(decoded.image.pixels, expected) where ours != theirs {
                worst = max(worst, abs(Int(ours) - Int(theirs)))
                differing += 1
            }
            XCTAssertLessThanOrEqual(worst, item.tolerance, "\(item.file): \(differing) bytes differ from PIL, worst by \(worst)")
            // Where a tolerance is allowed (16-bit PNG with translucent alpha; half the fixture's alpha
            // values are below 257, where only the 8-bit bound helps), off-by-one stays the exception:
            // measured 103 and 120 of 969 bytes.
            XCTAssertLessThanOrEqual(differing * 100, expected.count * 15, "\(item.file): \(differing) of \(expected.count) bytes differ")
        }
    }

    func testDamagedAndHostileInputsGiveTheRightError() throws {
        let cases = try ImagingFixtures.manifest().decode.filter { $0.expect != "pixels" }
        XCTAssertGreaterThanOrEqual(cases.count, 13)
        for item in cases {
            let data = try ImagingFixtures.bytes(item.file)
            do throws(ImageDecodeError) {
                let decoded = try ImageDecoder.decode(data: data)
                XCTFail("\(item.file): decoded to \(decoded.image.width)x\(decoded.image.height), expected \(item.expect)")
            } catch {
                let kind: String
                switch error {
                case .damaged(let format, _): kind = "damaged"; XCTAssertEqual(format.rawValue, item.format, item.file)
                case .tooManyPixels(_, let w, let h, _): kind = "tooManyPixels"; XCTAssertEqual([w, h], [65535, 65535], item.file)
                case .unsupportedFormat: kind = "unsupportedFormat"
                case .emptyFile: kind = "emptyFile"
                default: kind = "\(error)"
                }
                XCTAssertEqual(kind, item.expect, "\(item.file): \(error)")
                XCTAssertFalse(error.description.isEmpty)
            }
        }
    }

    func testBombIsRefusedWithoutDecoding() throws {
        let bomb = try ImagingFixtures.bytes("decode/bomb.jpg")
        let start = Date()
        XCTAssertThrowsError(try ImageDecoder.decode(data: bomb)) { error in
            XCTAssertTrue("\(error)".contains("65535x65535"), "\(error)")
        }
        // Refused from the header: a real decode of 4 G pixels could not finish in a second.
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }

    func testLimitsAreConfigurable() throws {
        let data = try ImagingFixtures.bytes("decode/baseline444.jpg")  // 45 x 31
        XCTAssertNoThrow(try ImageDecoder.decode(data: data, limits: ImageLimits(maxPixels: 45 * 31)))
        XCTAssertThrowsError(try ImageDecoder.decode(data: data, limits: ImageLimits(maxPixels: 45 * 31 - 1))) { error in
            XCTAssertEqual(error as? ImageDecodeError, .tooManyPixels(format: .jpeg, width: 45, height: 31, limit: 45 * 31 - 1))
        }
        XCTAssertThrowsError(try ImageDecoder.decode(data: data, limits: ImageLimits(maxBytes: 100))) { error in
            XCTAssertEqual(error as? ImageDecodeError, .fileTooLarge(bytes: data.count, limit: 100))
        }
        let path = ImagingFixtures.path("decode/baseline444.jpg")
        XCTAssertThrowsError(try ImageDecoder.decode(fileAt: path, limits: ImageLimits(maxBytes: 100))) { error in
            XCTAssertEqual(error as? ImageDecodeError, .fileTooLarge(bytes: data.count, limit: 100))
        }
        for file in ["decode/rgb8.png", "decode/palette.gif"] {
            XCTAssertThrowsError(try ImageDecoder.decode(data: try ImagingFixtures.bytes(file), limits: ImageLimits(maxPixels: 100)), file)
        }
    }

    func testMissingFileIsUnreadable() {
        XCTAssertThrowsError(try ImageDecoder.decode(fileAt: "/nonexistent/scan.jpg")) { error in
            guard case .unreadable(let path, _)? = error as? ImageDecodeError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "/nonexistent/scan.jpg")
        }
    }

    func testOriginalSizeIsBeforeRotation() throws {
        let decoded = try ImageDecoder.decode(fileAt: ImagingFixtures.path("decode/exif_le_6.jpg"))
        XCTAssertEqual([decoded.originalWidth, decoded.originalHeight], [45, 31])
        XCTAssertEqual([decoded.image.width, decoded.image.height], [31, 45])
    }

    /// Cut and corrupted copies of every valid fixture must throw or decode, never crash or hang.
    func testMutatedInputsNeverCrash() throws {
        var generator = SplitMix64(seed: 42)
        let cases = try ImagingFixtures.manifest().decode.filter { $0.expect == "pixels" }
        var thrown = 0, decoded = 0
        for item in cases {
            let original = try ImagingFixtures.bytes(item.file)
            for round in 0..<12 {
                var data = original
                if round % 3 == 0 {
                    data = Array(data.prefix(Int(generator.next() % UInt64(data.count))))
                } else {
                    for _ in 0..<(1 + round) {
                        let index = Int(generator.next() % UInt64(data.count))
                        data[index] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                    }
                }
                do throws(ImageDecodeError) {
                    let image = try ImageDecoder.decode(data: data, limits: ImageLimits(maxPixels: 1 << 20))
                    XCTAssertEqual(image.image.pixels.count, image.image.width * image.image.height * 3)
                    decoded += 1
                } catch {
                    XCTAssertFalse(error.description.isEmpty)
                    thrown += 1
                }
            }
        }
        XCTAssertGreaterThan(thrown, 0)
        XCTAssertGreaterThan(decoded + thrown, 400)
    }
}

/// Deterministic pseudo-random numbers for the mutation test.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
