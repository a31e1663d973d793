import XCTest
@testable import Imaging

final class PNGChunksTests: XCTestCase {
    func testCRC32MatchesPNG() {
        XCTAssertEqual(CRC32.checksum(Array("IEND".utf8)), 0xAE42_6082)
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    private func chunkTypes(_ png: [UInt8]) -> [String] {
        var types: [String] = []
        var index = 8
        while index + 8 <= png.count {
            let length = png[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
            types.append(String(decoding: png[(index + 4)..<(index + 8)], as: UTF8.self))
            index += 12 + length
        }
        return types
    }

    func testGammaAndTransparencyChunksAreRemovedAndGammaCanBeInserted() throws {
        let png = try ImagingFixtures.bytes("decode/rgb8_gamma1.png")
        XCTAssertEqual(chunkTypes(png), ["IHDR", "gAMA", "cHRM", "IDAT", "IEND"])
        let chunks = try PNGChunks(png: png)
        XCTAssertEqual([chunks.width, chunks.height, chunks.bitDepth, chunks.colorType], [45, 31, 8, 2])
        XCTAssertEqual(chunkTypes(chunks.stripped), ["IHDR", "IDAT", "IEND"])
        let inserted = chunks.stripped(inserting: "gAMA", [0, 0, 0xB1, 0x8F])
        XCTAssertEqual(chunkTypes(inserted), ["IHDR", "gAMA", "IDAT", "IEND"])
        // The inserted chunk (at 33: length, "gAMA", 4 payload bytes, CRC) carries a valid CRC.
        XCTAssertEqual(CRC32.checksum(Array(inserted[37..<45])), inserted[45..<49].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    func testChunkRunningPastTheEndIsDamage() throws {
        let png = try ImagingFixtures.bytes("decode/rgb8.png")
        XCTAssertThrowsError(try PNGChunks(png: Array(png.prefix(60)))) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertThrowsError(try PNGChunks(png: Array(png.prefix(10))))
    }
}
