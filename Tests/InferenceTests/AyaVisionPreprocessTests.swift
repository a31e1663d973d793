import Foundation
import XCTest
import Imaging
import Tokenizers
@testable import Inference

/// Phase 2 parity: tiling, pixel values and prompt ids against GotOcr2ImageProcessor / AyaVisionProcessor.
final class AyaVisionPreprocessTests: XCTestCase {
    func testGridChoiceMatchesReferenceForRealTileSize() throws {
        let golden = try AyaVisionFixtures.json("preprocess364/golden.json")
        let table = try XCTUnwrap(golden["grid_table"] as? [[String: Any]])
        XCTAssertGreaterThan(table.count, 20)
        try checkGrid(table, tile: 364)
    }

    func testGridChoiceMatchesReferenceForTinyTileSize() throws {
        try checkGrid(try AyaVisionFixtures.jsonArray("grid84.json"), tile: 84)
    }

    private func checkGrid(_ table: [[String: Any]], tile: Int) throws {
        for row in table {
            let w = try XCTUnwrap(row["width"] as? Int), h = try XCTUnwrap(row["height"] as? Int)
            let grid = AyaVisionTileGrid.optimal(width: w, height: h, tileWidth: tile, tileHeight: tile,
                                                 minTiles: 1, maxTiles: 12)
            XCTAssertEqual(grid.columns, row["columns"] as? Int, "\(w)x\(h) columns (tile \(tile))")
            XCTAssertEqual(grid.rows, row["rows"] as? Int, "\(w)x\(h) rows (tile \(tile))")
            XCTAssertEqual(grid.tileCount, row["tiles"] as? Int, "\(w)x\(h) tiles (tile \(tile))")
        }
    }

    func testConfigIsReadFromCheckpoint() throws {
        let config = try AyaVisionPreprocessorConfig.load(checkpoint: AyaVisionFixtures.url("tiny-f32"))
        XCTAssertEqual(config.tileWidth, 84)
        XCTAssertEqual(config.tileHeight, 84)
        XCTAssertEqual(config.maxTiles, 12)
        XCTAssertTrue(config.cropToPatches)
        XCTAssertEqual(config.mean, [0.5, 0.5, 0.5])
        XCTAssertEqual(config.prompt.imageSize, 84)
        XCTAssertEqual(config.prompt.tokensPerTile, 9)
    }

    func testMissingPreprocessorConfigNamesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aya-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try AyaVisionPreprocessorConfig.load(checkpoint: dir)) { error in
            XCTAssertTrue("\(error)".contains("preprocessor_config.json"), "\(error)")
        }
        try Data(#"{"size": {"height": "big"}}"#.utf8).write(to: dir.appendingPathComponent("preprocessor_config.json"))
        XCTAssertThrowsError(try AyaVisionPreprocessorConfig.load(checkpoint: dir)) { error in
            XCTAssertTrue("\(error)".contains("size.height"), "\(error)")
        }
    }

    func testPixelValuesMatchReference() throws {
        for name in try AyaVisionFixtures.caseNames() {
            let golden = try AyaVisionFixtures.json("golden/\(name).json")
            let checkpoint = AyaVisionFixtures.url(try XCTUnwrap(golden["checkpoint"] as? String))
            let processor = AyaVisionImageProcessor(config: try AyaVisionPreprocessorConfig.load(checkpoint: checkpoint))
            let image = try AyaVisionFixtures.image(try XCTUnwrap(golden["image"] as? String))
            let pixels = try processor.pixels(image)
            let expected = try AyaVisionFixtures.floats(try XCTUnwrap(golden["pixels_file"] as? String).withGolden)
            XCTAssertEqual(pixels.tileCount, golden["num_tiles"] as? Int, name)
            XCTAssertEqual([pixels.tileCount, 3, pixels.tileHeight, pixels.tileWidth],
                           AyaVisionFixtures.ints(golden["pixel_values_shape"]), name)
            XCTAssertEqual(pixels.values.count, expected.count, name)
            var worst: Float = 0
            for (a, b) in zip(pixels.values, expected) { worst = max(worst, abs(a - b)) }
            XCTAssertLessThanOrEqual(worst, 1e-5, "\(name): max |pixel diff|")
        }
    }

    func testRealSizeTilesAreBitExact() throws {
        let golden = try AyaVisionFixtures.json("preprocess364/golden.json")
        var config = AyaVisionPreprocessorConfig()
        config.tileWidth = 364
        config.tileHeight = 364
        let processor = AyaVisionImageProcessor(config: config)
        let image = try AyaVisionFixtures.image("preprocess364/wide-600x300.png")
        let (grid, tiles) = try processor.tiles(image)
        XCTAssertEqual(grid, AyaVisionTileGrid(columns: 2, rows: 1))
        let shape = AyaVisionFixtures.ints(golden["tiles_shape"])
        XCTAssertEqual(shape, [tiles.count, 3, 364, 364])
        let expected = try AyaVisionFixtures.bytes("preprocess364/" + (try XCTUnwrap(golden["tiles_file"] as? String)))
        let plane = 364 * 364
        var mismatches = 0
        for (t, tile) in tiles.enumerated() {
            for i in 0..<plane {
                for c in 0..<3 where tile.pixels[i * 3 + c] != expected[(t * 3 + c) * plane + i] { mismatches += 1 }
            }
        }
        XCTAssertEqual(mismatches, 0, "bytes differing from PIL's tiles")
    }

    func testPromptIdsMatchReference() throws {
        for name in try AyaVisionFixtures.caseNames() {
            let golden = try AyaVisionFixtures.json("golden/\(name).json")
            let checkpoint = AyaVisionFixtures.url(try XCTUnwrap(golden["checkpoint"] as? String))
            let config = try AyaVisionPreprocessorConfig.load(checkpoint: checkpoint)
            let tokenizer = try BPETokenizer(directory: checkpoint)
            let template = try ChatTemplate(checkpointDirectory: checkpoint)
            let prompt = try XCTUnwrap(golden["prompt"] as? String)
            let rendered = try template.renderImagePrompt(text: prompt)
            XCTAssertEqual(rendered, golden["text"] as? String, "\(name): rendered chat prompt")
            let tiles = try XCTUnwrap(golden["num_tiles"] as? Int)
            let ids = tokenizer.encode(try config.prompt.expand(renderedPrompt: rendered, tileCount: tiles))
            XCTAssertEqual(ids, AyaVisionFixtures.ints(golden["prompt_ids"]), "\(name): prompt ids")
        }
    }

    /// The real-size layout with the reconstructed 255k Cohere tokenizer (CC-BY-NC, never in the repo):
    /// read from ../shared/tokenizers/cohere or $SCRAWL_COHERE_TOKENIZER_DIR; skipped when absent.
    func testPromptIdsWithCohereTokenizer() throws {
        let env = ProcessInfo.processInfo.environment["SCRAWL_COHERE_TOKENIZER_DIR"]
        let dir = env.map { URL(fileURLWithPath: $0) } ?? AyaVisionFixtures.root
            .appendingPathComponent("../../../../shared/tokenizers/cohere").standardizedFileURL
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("tokenizer.json").path) else {
            throw XCTSkip("Cohere tokenizer not found at \(dir.path) (set SCRAWL_COHERE_TOKENIZER_DIR); skipped")
        }
        let golden = try AyaVisionFixtures.json("preprocess364/golden.json")
        let expected = AyaVisionFixtures.ints(golden["cohere_prompt_ids"])
        XCTAssertGreaterThan(expected.count, 500)
        let tokenizer = try BPETokenizer(directory: dir)
        let template = try ChatTemplate(checkpointDirectory: dir)
        let format = AyaVisionPromptFormat()   // the processor defaults: 364-px tiles, 169 tokens per tile
        let rendered = try template.renderImagePrompt(text: try XCTUnwrap(golden["cohere_prompt"] as? String))
        let tiles = try XCTUnwrap(golden["tiles_shape"] as? [Int]).first ?? 0
        XCTAssertEqual(tiles, 3)
        XCTAssertEqual(tokenizer.encode(try format.expand(renderedPrompt: rendered, tileCount: tiles)), expected)
    }

    func testPromptExpansionLayout() throws {
        var format = AyaVisionPromptFormat()
        format.imageSize = 56
        format.tokenPatchSize = 28
        XCTAssertEqual(format.imageText(tileCount: 1), "<|START_OF_IMG|>TILE_GLOBAL" + String(repeating: "<|IMG_PATCH|>", count: 4) + "<|END_OF_IMG|>")
        let three = format.imageText(tileCount: 3)
        XCTAssertTrue(three.hasPrefix("<|START_OF_IMG|>TILE_1<|IMG_PATCH|>"))
        XCTAssertTrue(three.contains("TILE_2<|IMG_PATCH|>"))
        XCTAssertFalse(three.contains("TILE_3"))
        XCTAssertThrowsError(try format.expand(renderedPrompt: "a<image>b<image>", tileCount: 1))
        XCTAssertEqual(AyaVisionPromptFormat().tokensPerTile, 169)
    }
}

private extension String {
    var withGolden: String { "golden/" + self }
}
