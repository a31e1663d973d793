import Foundation
import XCTest
@testable import Inference

/// preprocessor_config.json in each form transformers releases have written, read as 4.57.6's
/// Qwen2VLImageProcessorFast reads it (what AutoImageProcessor gives when torchvision is installed).
/// Expected budgets were probed with transformers 4.57.6 (slow and fast source read; slow run):
/// top-level values always win; `size` edges count only where no top-level value replaces them.
final class PreprocessorConfigFormsTests: XCTestCase {
    private func config(_ text: String) throws -> PreprocessorConfig {
        let json = try JSONObject.parse(Data(text.utf8), path: "/ckpt/preprocessor_config.json")
        return try PreprocessorConfig(json: json, patchSize: 14, temporalPatchSize: 2, mergeSize: 2)
    }

    private func budget(_ text: String) throws -> [Int] {
        let c = try config(text)
        return [c.minPixels, c.maxPixels]
    }

    func testTopLevelMinMaxPixels() throws {
        // The published Qwen2-VL-2B-Instruct file.
        XCTAssertEqual(try budget(#"{"min_pixels": 1000, "max_pixels": 200000, "patch_size": 14}"#), [1000, 200_000])
    }

    func testSizeMinMaxBesideTopLevel() throws {
        // 4.45–4.48 saves (the real OCR checkpoint's 596-byte file): the top-level values are used.
        XCTAssertEqual(try budget(#"{"min_pixels": 3136, "max_pixels": 12845056, "size": {"max_pixels": 12845056, "min_pixels": 3136}}"#),
                       [3136, 12_845_056])
        XCTAssertEqual(try budget(#"{"min_pixels": 2000, "max_pixels": 300000, "size": {"max_pixels": 1, "min_pixels": 1}}"#),
                       [2000, 300_000])
    }

    func testSizeEdges() throws {
        // 4.49+ saves: size as shortest/longest edge; top-level values, when present, replace them.
        XCTAssertEqual(try budget(#"{"size": {"shortest_edge": 1000, "longest_edge": 200000}}"#), [1000, 200_000])
        XCTAssertEqual(try budget(#"{"min_pixels": 2000, "max_pixels": 300000, "size": {"shortest_edge": 1000, "longest_edge": 200000}}"#),
                       [2000, 300_000])
        XCTAssertEqual(try budget(#"{"min_pixels": 2000, "size": {"shortest_edge": 1000, "longest_edge": 200000}}"#), [2000, 200_000])
    }

    func testDefaultsAndPartialTopLevel() throws {
        XCTAssertEqual(try budget("{}"), [3136, 1_003_520])
        XCTAssertEqual(try budget(#"{"min_pixels": 1000}"#), [1000, 1_003_520])
    }

    func testByteOrderMarkAndCRLF() throws {
        let text = "\u{FEFF}{\r\n  \"max_pixels\": 200000,\r\n  \"min_pixels\": 1000\r\n}\r\n"
        XCTAssertEqual(try budget(text), [1000, 200_000])
    }

    private func assertRefused(_ text: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try config(text), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("preprocessor_config.json"), message, file: file, line: line)
            XCTAssertTrue(message.contains(fragment), "\(message) lacks \(fragment)", file: file, line: line)
        }
    }

    func testFormsTransformersRefusesAreErrors() {
        // 4.57.6: "size must contain 'shortest_edge' and 'longest_edge' keys."
        assertRefused(#"{"size": {"min_pixels": 1000, "max_pixels": 200000}}"#, "shortest_edge/longest_edge")
        assertRefused(#"{"size": {"height": 224, "width": 224}}"#, "shortest_edge/longest_edge")
        assertRefused(#"{"size": 224}"#, "\"size\" must be an object")
        assertRefused(#"{"min_pixels": 5000, "max_pixels": 100}"#, "max_pixels")
        assertRefused(#"{"patch_size": 0}"#, "patch_size")
    }
}
