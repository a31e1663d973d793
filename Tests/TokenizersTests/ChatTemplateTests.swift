import Foundation
import XCTest
@testable import Tokenizers

/// Rendered prompts against transformers' apply_chat_template (Qwen2-VL's real template) and jinja2
/// (the Aya/Cohere template), stored in Tests/Fixtures/tokenizers/chat-templates.json.
final class ChatTemplateTests: XCTestCase {
    private func expectedCases(_ family: String) throws -> (placeholder: String, cases: [[String: Any]]) {
        let all = try XCTUnwrap(Fixtures.json("chat-templates.json") as? [String: [String: Any]])
        let entry = try XCTUnwrap(all[family])
        return (try XCTUnwrap(entry["image_placeholder"] as? String), try XCTUnwrap(entry["cases"] as? [[String: Any]]))
    }

    func testQwen2VLMatchesTransformers() throws {
        let template = try ChatTemplate(checkpointDirectory: Fixtures.qwen2Directory)
        let tokenizer = try Fixtures.qwen2.get()
        XCTAssertEqual(template.family, .qwen2VL)
        let (placeholder, cases) = try expectedCases("qwen2")
        XCTAssertEqual(template.imageMarkup, placeholder)
        XCTAssertGreaterThan(cases.count, 3)
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            let rendered = try template.renderUserTurn(imagePlaceholder: template.imageMarkup, text: text)
            XCTAssertEqual(rendered, c["rendered"] as? String)
            XCTAssertEqual(tokenizer.encode(rendered), c["ids"] as? [Int], "ids of rendered prompt for \(text.debugDescription)")
        }
    }

    func testQwen2VLWorkedExampleFromReferenceNotes() throws {
        let template = try ChatTemplate(checkpointDirectory: Fixtures.qwen2Directory)
        XCTAssertEqual(try template.renderUserTurn(imagePlaceholder: template.imageMarkup, text: "Read the text."),
                       "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Read the text.<|im_end|>\n<|im_start|>assistant\n")
    }

    func testAyaTemplateMatchesJinja() throws {
        // aya-tiny's tokenizer_config.json carries the same Aya/Cohere template and bos_token.
        let template = try ChatTemplate(checkpointDirectory: Fixtures.ayaTinyDirectory)
        XCTAssertEqual(template.family, .cohere)
        let (placeholder, cases) = try expectedCases("cohere")
        XCTAssertEqual(template.imageMarkup, placeholder)
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            XCTAssertEqual(try template.renderUserTurn(imagePlaceholder: template.imageMarkup, text: text), c["rendered"] as? String)
        }
    }

    func testCohereSharedTemplateWhenPresent() throws {
        guard let dir = Fixtures.cohereDirectory else {
            throw XCTSkip("Cohere tokenizer folder not present: shared chat_template.json check skipped")
        }
        let template = try ChatTemplate(checkpointDirectory: dir)
        let (_, cases) = try expectedCases("cohere")
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            XCTAssertEqual(try template.renderUserTurn(imagePlaceholder: "<image>", text: text), c["rendered"] as? String)
        }
    }

    func testSourceWithoutBOSTokenRendersNoBOS() throws {
        let source = try XCTUnwrap(try Self.ayaSource())
        let template = try ChatTemplate(source: source)
        XCTAssertEqual(try template.renderUserTurn(imagePlaceholder: "<image>", text: "x"),
                       "<|START_OF_TURN_TOKEN|><|USER_TOKEN|><image>x<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>")
    }

    func testUnknownTemplatesAreRefused() {
        for source in ["{% for m in messages %}{{ m['content'] }}{% endfor %}",
                       "<|im_start|>{{ messages[0]['content'] }}",
                       "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set system_message = 'Be nice.' %}{% endif %}<|START_OF_TURN_TOKEN|><|USER_TOKEN|>{{ item['text'] }}{{ '<image>' }}<|END_OF_TURN_TOKEN|>{% if add_generation_prompt %}<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>{% endif %}"] {
            XCTAssertThrowsError(try ChatTemplate(source: source)) { error in
                guard case TokenizerError.unsupportedChatTemplate = error else { return XCTFail("wrong error \(error)") }
                XCTAssertTrue("\(error)".hasPrefix("unsupported chat template"))
            }
        }
    }

    func testMissingTemplateIsReported() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try ChatTemplate(checkpointDirectory: dir)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingChatTemplate(directory: dir.path))
        }
    }

    private static func ayaSource() throws -> String? {
        let config = try XCTUnwrap(Fixtures.json("aya-tiny/tokenizer_config.json") as? [String: Any])
        return config["chat_template"] as? String
    }
}
