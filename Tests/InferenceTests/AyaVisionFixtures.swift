import Foundation
import XCTest
import Imaging

/// Locates and reads the Aya Vision fixtures made by scripts/reference/make_aya_fixtures.py.
enum AyaVisionFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/aya").standardizedFileURL

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url(relative))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], "\(relative) is not an object")
    }

    static func jsonArray(_ relative: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: url(relative))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String: Any]], "\(relative) is not a list")
    }

    static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: url(relative))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relative)))
    }

    /// The image as the reference loaded it: raw RGB8 beside the PNG, size from the PNG's IHDR chunk.
    static func image(_ pngRelative: String) throws -> RGBImage {
        let png = try bytes(pngRelative)
        XCTAssertGreaterThanOrEqual(png.count, 24)
        func be32(_ at: Int) -> Int { png[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        let width = be32(16), height = be32(20)
        let rgb = try bytes(String(pngRelative.dropLast(4)) + ".rgb")
        XCTAssertEqual(rgb.count, width * height * 3, "\(pngRelative): raw RGB size")
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Names of the golden cases (golden/<case>.json).
    static func caseNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url("golden").path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func ints(_ value: Any?) -> [Int] { (value as? [NSNumber])?.map(\.intValue) ?? [] }
}
