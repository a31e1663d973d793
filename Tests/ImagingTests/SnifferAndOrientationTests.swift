import XCTest
@testable import Imaging

final class SnifferAndOrientationTests: XCTestCase {
    func testSniffingUsesMagicBytesOnly() {
        XCTAssertEqual(ImageFormatSniffer.sniff([0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(ImageFormatSniffer.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]), .png)
        XCTAssertEqual(ImageFormatSniffer.sniff(Array("GIF87a".utf8)), .gif)
        XCTAssertEqual(ImageFormatSniffer.sniff(Array("GIF89a..".utf8)), .gif)
        XCTAssertNil(ImageFormatSniffer.sniff(Array("GIF88a".utf8)))
        XCTAssertNil(ImageFormatSniffer.sniff([0xFF, 0xD8]))
        XCTAssertNil(ImageFormatSniffer.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A]))
        XCTAssertNil(ImageFormatSniffer.sniff([UInt8]()))
        XCTAssertEqual(ImageFormatSniffer.sniff(Array("%PDF-1.7".utf8)), .pdf)
        XCTAssertEqual(ImageFormatSniffer.sniff(Array("II*\0".utf8)), .tiff)
        XCTAssertEqual(ImageFormatSniffer.sniff([0, 0, 0, 0x1C] + Array("ftypheic".utf8)), .heif)
        XCTAssertEqual(ImageFormatSniffer.sniff([0, 0, 0, 0x1C] + Array("ftypavif".utf8)), .heif)
        XCTAssertEqual(ImageFormatSniffer.sniff(Array("RIFF\u{1}\0\0\0WEBP".utf8)), .webp)
        XCTAssertNil(ImageFormatSniffer.sniff(Array("RIFF\u{1}\0\0\0WEB".utf8)), "12 bytes are needed")
        XCTAssertNil(ImageFormatSniffer.sniff(Array("%!PS-Adobe".utf8)))
    }

    func testUnsupportedFormatMessageShowsTheBytes() {
        let error = ImageDecodeError.unsupportedFormat(leadingBytes: Array("%!PS-Adobe".utf8))
        XCTAssertTrue(error.description.contains("25 21 50 53"), error.description)
    }

    private func tiff(_ orientation: UInt16, bigEndian: Bool, type: UInt16 = 3) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) }
        let value = type == 4 ? u32(UInt32(orientation)) : u16(orientation) + [0, 0]
        return (bigEndian ? Array("MM".utf8) : Array("II".utf8)) + u16(42) + u32(8) + u16(1)
            + u16(0x0112) + u16(type) + u32(1) + value + u32(0)
    }

    func testExifParserReadsBothByteOrdersAndTypes() {
        for value in UInt16(1)...8 {
            XCTAssertEqual(ExifOrientationParser.orientation(exif: tiff(value, bigEndian: false)), Int(value))
            XCTAssertEqual(ExifOrientationParser.orientation(exif: tiff(value, bigEndian: true)), Int(value))
        }
        XCTAssertEqual(ExifOrientationParser.orientation(exif: Array("Exif".utf8) + [0, 0] + tiff(6, bigEndian: true)), 6)
        XCTAssertEqual(ExifOrientationParser.orientation(exif: tiff(8, bigEndian: false, type: 4)), 8)
        XCTAssertEqual(ExifOrientationParser.orientation(exif: tiff(5, bigEndian: true, type: 4)), 5)
    }

    func testExifParserSurvivesGarbage() {
        XCTAssertNil(ExifOrientationParser.orientation(exif: []))
        XCTAssertNil(ExifOrientationParser.orientation(exif: Array("II*\0".utf8) + [0xFF, 0xFF, 0xFF, 0x7F]))
        let good = tiff(6, bigEndian: false)
        // The entry's value ends at byte 20: any shorter prefix must be rejected, not over-read.
        for length in 0..<20 {
            XCTAssertNil(ExifOrientationParser.orientation(exif: Array(good.prefix(length))), "prefix \(length)")
        }
        XCTAssertEqual(ExifOrientationParser.orientation(exif: Array(good.prefix(20))), 6)
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            var bytes = good
            bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            _ = ExifOrientationParser.orientation(exif: bytes)
        }
    }

    func testXMPFallbackMatchesPILPattern() {
        XCTAssertEqual(XMPOrientationParser.orientation(xmp: Array(#"<d tiff:Orientation="6"/>"#.utf8)), 6)
        XCTAssertEqual(XMPOrientationParser.orientation(xmp: Array("<tiff:Orientation>3</tiff:Orientation>".utf8)), 3)
        XCTAssertNil(XMPOrientationParser.orientation(xmp: Array("<tiff:Orientation x>3".utf8)))
        XCTAssertNil(XMPOrientationParser.orientation(xmp: Array("tiff:Orientation=".utf8)))
    }

    /// 2×3 image with distinct pixels; each orientation is checked against PIL's transpose tables.
    func testOrientationTransformsMatchPILTranspose() {
        let image = RGBImage(width: 3, height: 2, pixels: (0..<6).flatMap { [UInt8($0), 0, 0] })
        // PIL: Image.fromarray(np.arange(6).reshape(2,3)).transpose(method) for methods of orientations 2…8.
        let expected: [Int: (Int, Int, [UInt8])] = [
            2: (3, 2, [2, 1, 0, 5, 4, 3]), 3: (3, 2, [5, 4, 3, 2, 1, 0]), 4: (3, 2, [3, 4, 5, 0, 1, 2]),
            5: (2, 3, [0, 3, 1, 4, 2, 5]), 6: (2, 3, [3, 0, 4, 1, 5, 2]), 7: (2, 3, [5, 2, 4, 1, 3, 0]),
            8: (2, 3, [2, 5, 1, 4, 0, 3]),
        ]
        for (orientation, (w, h, values)) in expected {
            let out = OrientationTransform.apply(orientation, to: image)
            XCTAssertEqual([out.width, out.height], [w, h], "orientation \(orientation)")
            XCTAssertEqual(stride(from: 0, to: out.pixels.count, by: 3).map { out.pixels[$0] }, values, "orientation \(orientation)")
        }
        XCTAssertEqual(OrientationTransform.apply(1, to: image), image)
        XCTAssertEqual(OrientationTransform.apply(9, to: image), image)
    }
}
