import XCTest
@testable import Imaging

/// TIFF, HEIF/AVIF and WebP fixtures decode to the pages, sizes, orientation and pixels that
/// Pillow 13 (+ pillow-heif) gives through transformers' load_image.
final class DocumentDecodeTests: XCTestCase {
    func testEveryRasterPageMatchesPillow() throws {
        let cases = try DocumentFixtures.manifest().raster
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        var report: [String] = []
        for item in cases {
            let data = try DocumentFixtures.bytes(item.file)
            let source: PageSource
            let decoded: DecodedImage
            do {
                source = try ScanOpener.open(data: data)
                decoded = try source.page(item.page, pixelBudget: nil)
            } catch {
                XCTFail("\(item.file) page \(item.page + 1): \(error)"); continue
            }
            XCTAssertEqual(source.format.rawValue, item.format, item.file)
            XCTAssertEqual(source.pageCount, item.format == "tiff" ? item.pages : 1, "\(item.file) page count")
            XCTAssertEqual(decoded.image.width, item.width, "\(item.file) p\(item.page + 1) width")
            XCTAssertEqual(decoded.image.height, item.height, "\(item.file) p\(item.page + 1) height")
            XCTAssertEqual(decoded.exifOrientation, item.orientation, "\(item.file) p\(item.page + 1) orientation applied")
            let expected = try DocumentFixtures.bytes(item.rgb)
            guard decoded.image.pixels.count == expected.count else {
                XCTFail("\(item.file): \(decoded.image.pixels.count) bytes, Pillow has \(expected.count)"); continue
            }
            let (worst, differing) = DocumentFixtures.difference(decoded.image.pixels, expected)
            let mean = DocumentFixtures.meanAbsoluteDifference(decoded.image.pixels, expected)
            report.append("\(item.file) p\(item.page + 1): worst \(worst), mean \((mean * 1000).rounded() / 1000), \(differing)/\(expected.count) bytes differ")
            XCTAssertLessThanOrEqual(mean, item.meanTolerance, "\(item.file) p\(item.page + 1): mean difference \(mean)")
            XCTAssertLessThanOrEqual(worst, item.tolerance, "\(item.file) p\(item.page + 1) (\(item.why)): \(differing) bytes differ, worst by \(worst)")
        }
        print("DocumentDecodeTests: " + report.joined(separator: "; "))
    }

    func testSinglePageDecoderReadsPageOneOfAnyFormat() throws {
        let tiff = try ImageDecoder.decode(data: DocumentFixtures.bytes("g4-2page.tif"))
        XCTAssertEqual([tiff.image.width, tiff.image.height], [120, 90])
        XCTAssertEqual(tiff.format, .tiff)
        let heic = try ImageDecoder.decode(data: DocumentFixtures.bytes("rotated.heic"))
        XCTAssertEqual([heic.image.width, heic.image.height], [96, 64], "irot applied once, EXIF 6 not again")
        XCTAssertEqual([heic.originalWidth, heic.originalHeight], [96, 64], "irot is part of decoding, EXIF not applied")
        XCTAssertEqual(heic.exifOrientation, 1)
        let webp = try ImageDecoder.decode(data: DocumentFixtures.bytes("animated.webp"))
        XCTAssertEqual(webp.format, .webp)
    }

    func testHEICIsShownUprightLikeAGallery() throws {
        // The note has a red mark in its top-left corner; stored sideways (EXIF 6 + irot), it must
        // come back in the top-left: rotated exactly once.
        for file in ["rotated.heic", "rotated.avif"] {
            let image = try ImageDecoder.decode(data: DocumentFixtures.bytes(file)).image
            let topLeft = Array(image.pixels[(2 * image.width + 3) * 3..<(2 * image.width + 3) * 3 + 3])
            XCTAssertGreaterThan(Int(topLeft[0]), Int(topLeft[2]) + 80, "\(file): no red mark top-left: \(topLeft)")
        }
    }

    func testHEIFIsDecodedOutsideTheProcess() throws {
        // libheif (and through it Debian 12's GPL x265 and the HEVC decoder libde265) runs in a
        // child: after a HEIC and an AVIF decode, none of them is mapped into this process.
        for file in ["rotated.heic", "rotated.avif"] { _ = try ImageDecoder.decode(data: DocumentFixtures.bytes(file)) }
        let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        for library in ["libheif", "libx265", "libde265", "libdav1d", "libaom"] {
            XCTAssertFalse(maps.contains(library), "\(library) is mapped into the process")
        }
        XCTAssertEqual(HEIFDecoder.primarySize(in: "MIME type: image/heic\nimage: 64x48 (id=2)\nimage: 96x64 (id=1), primary\n").map { [$0.0, $0.1] },
                       [96, 64])
        XCTAssertNil(HEIFDecoder.primarySize(in: "Could not read HEIF/AVIF file: Invalid input: No 'pitm' box"))
    }

    func testTIFFPagesAreIndependentAndBounded() throws {
        let source = try ScanOpener.open(data: DocumentFixtures.bytes("g4-2page.tif"))
        XCTAssertEqual(source.pageCount, 2)
        let second = try source.page(1, pixelBudget: nil)
        XCTAssertEqual([second.originalWidth, second.originalHeight], [100, 70])
        XCTAssertEqual([second.image.width, second.image.height], [70, 100], "orientation 6 turns it")
        XCTAssertNil(try source.textLayer(0))
        XCTAssertThrowsError(try source.page(2, pixelBudget: nil)) { XCTAssertTrue("\($0)".contains("page 3"), "\($0)") }
        // The pixel limit is checked before the page is decoded.
        let small = try ScanOpener.open(data: DocumentFixtures.bytes("g4-2page.tif"), limits: ImageLimits(maxPixels: 5000))
        XCTAssertThrowsError(try small.page(0, pixelBudget: nil)) { error in
            XCTAssertEqual(error as? ImageDecodeError, .tooManyPixels(format: .tiff, width: 120, height: 90, limit: 5000))
        }
        // And the page limit at open.
        XCTAssertThrowsError(try ScanOpener.open(data: DocumentFixtures.bytes("g4-2page.tif"), limits: ImageLimits(maxPages: 1))) { error in
            XCTAssertEqual(error as? ImageDecodeError, .tooManyPages(format: .tiff, pages: 2, limit: 1))
        }
    }

    func testSnifferKnowsEveryFormatByItsBytes() throws {
        let expected: [String: ImageFormat] = ["g4-2page.tif": .tiff, "rotated.heic": .heif, "rotated.avif": .heif,
                                               "lossy.webp": .webp, "scanned-3page.pdf": .pdf]
        for (file, format) in expected {
            XCTAssertEqual(ImageFormatSniffer.sniff(try DocumentFixtures.bytes(file)), format, file)
        }
        XCTAssertEqual(ImageFormatSniffer.sniff(Array("MM\0*".utf8) + [0, 0, 0, 8]), .tiff)
        XCTAssertEqual(ImageFormatSniffer.sniff(Array("II+\0".utf8) + [8, 0, 0, 0]), .tiff, "BigTIFF")
        XCTAssertNil(ImageFormatSniffer.sniff([0, 0, 0, 0x18] + Array("ftypisom".utf8)), "an MP4 is not a HEIF")
        XCTAssertNil(ImageFormatSniffer.sniff(Array("RIFF\0\0\0\0WAVE".utf8)), "a WAV is not a WebP")
        XCTAssertNil(ImageFormatSniffer.sniff(Array("%PD".utf8)))
    }
}
