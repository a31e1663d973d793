import Foundation
import XCTest
@testable import Tokenizers

/// The prompt ids of the tiny Aya Vision parity goldens (Tests/Fixtures/aya, made by transformers'
/// AyaVisionProcessor.apply_chat_template with tokenize=True) rebuilt from the checkpoint folder's own
/// template and tokenizer: render, expand `<image>` as the processor does, encode without special tokens
/// (the template already starts with <BOS_TOKEN>, and the processor then adds none).
final class AyaPromptGoldenTests: XCTestCase {
    private let ayaRoot = Fixtures.root.appendingPathComponent("../aya").standardizedFileURL

    /// AyaVisionProcessor._prompt_split_image.
    private func imageString(tiles: Int, processor: [String: Any]) throws -> String {
        let imgSize = try XCTUnwrap(processor["img_size"] as? Int)
        let patchSize = try XCTUnwrap(processor["patch_size"] as? Int)
        let patch = try XCTUnwrap(processor["img_patch_token"] as? String)
        let perTile = String(repeating: patch, count: (imgSize / patchSize) * (imgSize / patchSize))
        var s = try XCTUnwrap(processor["start_of_img_token"] as? String)
        if tiles > 1 {
            for index in 1..<tiles { s += "\(try XCTUnwrap(processor["tile_token"] as? String))_\(index)" + perTile }
        }
        s += try XCTUnwrap(processor["tile_global_token"] as? String) + perTile
        return s + (try XCTUnwrap(processor["end_of_img_token"] as? String))
    }

    func testGoldenPromptIDs() throws {
        let goldenDir = ayaRoot.appendingPathComponent("golden")
        let names = try FileManager.default.contentsOfDirectory(atPath: goldenDir.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertFalse(names.isEmpty, "no goldens in \(goldenDir.path)")
        for name in names {
            let golden = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: goldenDir.appendingPathComponent(name))) as? [String: Any])
            let checkpoint = ayaRoot.appendingPathComponent(try XCTUnwrap(golden["checkpoint"] as? String))
            let tokenizer = try BPETokenizer(directory: checkpoint)
            let template = try ChatTemplate(checkpointDirectory: checkpoint)
            let processor = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint.appendingPathComponent("processor_config.json"))) as? [String: Any])

            let rendered = try template.renderImagePrompt(text: try XCTUnwrap(golden["prompt"] as? String))
            XCTAssertEqual(rendered, golden["text"] as? String, name)
            let expanded = rendered.replacingOccurrences(of: template.imageMarkup, with: try imageString(tiles: try XCTUnwrap(golden["num_tiles"] as? Int), processor: processor))
            assertSameIDs(tokenizer.encode(expanded), try XCTUnwrap(golden["prompt_ids"] as? [Int]), name)
            XCTAssertEqual(tokenizer.bosTokenID, golden["bos_token_id"] as? Int, name)
            XCTAssertEqual(tokenizer.eosTokenID, golden["eos_token_id"] as? Int, name)
            XCTAssertEqual(tokenizer.tokenID(try XCTUnwrap(processor["img_patch_token"] as? String)), golden["image_token_id"] as? Int, name)
        }
    }
}
