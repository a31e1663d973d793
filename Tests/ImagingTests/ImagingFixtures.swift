import Foundation
import XCTest

/// Tests/Fixtures/imaging, written by scripts/reference/make_imaging_fixtures.py from Pillow 13.
enum ImagingFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/imaging").standardizedFileURL

    struct Manifest: Decodable {
        let pillow: String
        let decode: [DecodeCase]
        let resize: [ResizeSource]
        let smartResize: [SmartResizeCase]
        let preprocess: [PreprocessCase]
    }

    struct DecodeCase: Decodable {
        let file: String
        let format: String
        let expect: String
        let tolerance: Int
        let width: Int?
        let height: Int?
        let rgb: String?
        let orientation: Int?
    }

    struct ResizeSource: Decodable {
        let source: String
        let width: Int
        let height: Int
        /// [width, height, sha256 of PIL's RGB8 output, pass order is vertical-first on Pillow 13]
        let targets: [Target]

        struct Target: Decodable {
            let width: Int
            let height: Int
            let sha256: String
            let verticalFirst: Bool

            init(from decoder: any Decoder) throws {
                var values = try decoder.unkeyedContainer()
                width = try values.decode(Int.self)
                height = try values.decode(Int.self)
                sha256 = try values.decode(String.self)
                verticalFirst = try values.decode(Bool.self)
            }
        }
    }

    struct SmartResizeCase: Decodable {
        let height: Int
        let width: Int
        let factor: Int
        let minPixels: Int
        let maxPixels: Int
        /// [h, w], or nil where transformers raises.
        let result: [Int]?

        enum CodingKeys: String, CodingKey { case height, width, factor, minPixels, maxPixels, result }

        init(from decoder: any Decoder) throws {
            let values = try decoder.container(keyedBy: CodingKeys.self)
            height = try values.decode(Int.self, forKey: .height)
            width = try values.decode(Int.self, forKey: .width)
            factor = try values.decode(Int.self, forKey: .factor)
            minPixels = try values.decode(Int.self, forKey: .minPixels)
            maxPixels = try values.decode(Int.self, forKey: .maxPixels)
            result = try? values.decode([Int].self, forKey: .result)
        }
    }

    struct PreprocessCase: Decodable {
        let file: String
        let values: String
        let gridT: Int
        let gridH: Int
        let gridW: Int
        let rows: Int
        let cols: Int
        let mean: [Double]
        let std: [Double]
        let minPixels: Int
        let maxPixels: Int
        let patchSize: Int
        let temporalPatchSize: Int
        let mergeSize: Int
    }

    static func manifest() throws -> Manifest {
        let data = try Data(contentsOf: root.appendingPathComponent("manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    static func floats(_ relative: String) throws -> [Float] {
        let raw = try bytes(relative)
        return stride(from: 0, to: raw.count - 3, by: 4).map { offset in
            Float(bitPattern: UInt32(raw[offset]) | UInt32(raw[offset + 1]) << 8 | UInt32(raw[offset + 2]) << 16 | UInt32(raw[offset + 3]) << 24)
        }
    }
}
