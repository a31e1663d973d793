import Foundation
import Jinja
import XCTest
@testable import Tokenizers

/// Chat templates rendered by the Jinja engine against transformers' apply_chat_template (Qwen2-VL's
/// real template) and jinja2 (the Aya/Cohere template), stored in Tests/Fixtures/tokenizers/chat-templates.json.
final class ChatTemplateTests: XCTestCase {
    private func expectedCases(_ family: String) throws -> (placeholder: String, cases: [[String: Any]]) {
        let all = try XCTUnwrap(Fixtures.json("chat-templates.json") as? [String: [String: Any]])
        let entry = try XCTUnwrap(all[family])
        return (try XCTUnwrap(entry["image_placeholder"] as? String), try XCTUnwrap(entry["cases"] as? [[String: Any]]))
    }

    func testQwen2VLMatchesTransformers() throws {
        let template = try ChatTemplate(checkpointDirectory: Fixtures.qwen2Directory)
        let tokenizer = try Fixtures.qwen2.get()
        let (placeholder, cases) = try expectedCases("qwen2")
        XCTAssertEqual(template.imageMarkup, placeholder)
        XCTAssertGreaterThan(cases.count, 3)
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            let rendered = try template.renderImagePrompt(text: text)
            XCTAssertEqual(rendered, c["rendered"] as? String)
            XCTAssertEqual(tokenizer.encode(rendered), c["ids"] as? [Int], "ids of rendered prompt for \(text.debugDescription)")
        }
    }

    func testQwen2VLWorkedExampleFromReferenceNotes() throws {
        let template = try ChatTemplate(checkpointDirectory: Fixtures.qwen2Directory)
        XCTAssertEqual(try template.renderImagePrompt(text: "Read the text."),
                       "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Read the text.<|im_end|>\n<|im_start|>assistant\n")
    }

    func testQwen2VLConversationWithSystemAndAssistantTurns() throws {
        let template = try ChatTemplate(checkpointDirectory: Fixtures.qwen2Directory)
        let rendered = try template.render(messages: [
            ChatMessage(role: "system", content: [.text("Be brief.")]),
            ChatMessage(role: "user", content: [.text("Compare "), .image, .image]),
            ChatMessage(role: "assistant", content: [.text("Left.")]),
        ], addGenerationPrompt: false)
        // No default system turn when the conversation has one; one vision block per image.
        XCTAssertEqual(rendered, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nCompare <|vision_start|><|image_pad|><|vision_end|><|vision_start|><|image_pad|><|vision_end|><|im_end|>\n<|im_start|>assistant\nLeft.<|im_end|>\n")
    }

    func testSpecialTokensComeFromTheTokenizerConfig() throws {
        let qwen = try ChatTemplate(checkpointDirectory: Fixtures.qwen2Directory)
        XCTAssertNil(qwen.specialTokens.bos)
        XCTAssertEqual(qwen.specialTokens.eos, "<|im_end|>")
        XCTAssertEqual(qwen.specialTokens.pad, "<|endoftext|>")
        XCTAssertEqual(qwen.specialTokens.additional.count, 13)
        let aya = try ChatTemplate(checkpointDirectory: Fixtures.ayaTinyDirectory)
        XCTAssertEqual(aya.specialTokens.bos, "<BOS_TOKEN>")
        let probe = try ChatTemplate(source: "{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ unk_token }}|{{ additional_special_tokens | length }}",
                                     specialTokens: qwen.specialTokens)
        XCTAssertEqual(try probe.render(messages: [], addGenerationPrompt: false), "|<|im_end|>|<|endoftext|>||13")
    }

    func testAyaTemplateMatchesJinja() throws {
        // aya-tiny's tokenizer_config.json carries the same Aya/Cohere template and bos_token.
        let template = try ChatTemplate(checkpointDirectory: Fixtures.ayaTinyDirectory)
        let (placeholder, cases) = try expectedCases("cohere")
        XCTAssertEqual(template.imageMarkup, placeholder)
        for c in cases {
            let text = try XCTUnwrap(c["text"] as? String)
            XCTAssertEqual(try template.renderImagePrompt(text: text), c["rendered"] as? String)
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
            XCTAssertEqual(try template.renderImagePrompt(text: text), c["rendered"] as? String)
        }
    }

    func testSourceWithoutBOSTokenRendersNoBOS() throws {
        let source = try XCTUnwrap(try Self.ayaSource())
        let template = try ChatTemplate(source: source)
        XCTAssertEqual(try template.renderImagePrompt(text: "x"),
                       "<|START_OF_TURN_TOKEN|><|USER_TOKEN|><image>x<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>")
    }

    func testUnsupportedConstructNamesFileLineAndConstruct() {
        let source = "{% for m in messages %}\n{{ m['content'] }}\n{{ m['content'] | wordwrap(5) }}{% endfor %}"
        let template: ChatTemplate
        do {
            template = try ChatTemplate(source: source, sourceName: "models/x/chat_template.jinja")
        } catch {
            return XCTFail("parsing failed: \(error)")
        }
        XCTAssertThrowsError(try template.renderImagePrompt(text: "hello")) { error in
            XCTAssertEqual(error as? JinjaError, .unsupported(source: "models/x/chat_template.jinja", line: 3, construct: "filter 'wordwrap'"))
            XCTAssertTrue("\(error)".hasPrefix("models/x/chat_template.jinja line 3: unsupported filter 'wordwrap'"), "\(error)")
        }
        XCTAssertThrowsError(try ChatTemplate(source: "a\n{% include 'other.jinja' %}", sourceName: "t.jinja")) { error in
            XCTAssertEqual(error as? JinjaError, .unsupported(source: "t.jinja", line: 2, construct: "tag 'include'"))
        }
    }

    func testRaiseExceptionSurfacesTheTemplatesMessage() throws {
        let template = try ChatTemplate(source: "{% if messages[0]['role'] == 'user' %}{{ raise_exception('Only system first!') }}{% endif %}",
                                        sourceName: "strict.jinja")
        XCTAssertThrowsError(try template.renderImagePrompt(text: "x")) { error in
            XCTAssertEqual((error as? JinjaError)?.raisedMessage, "Only system first!")
        }
    }

    func testMissingTemplateIsReported() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try ChatTemplate(checkpointDirectory: dir, specialTokens: ChatSpecialTokens())) { error in
            XCTAssertEqual(error as? TokenizerError, .missingChatTemplate(directory: dir.path))
        }
    }

    func testChatTemplateJinjaFileWinsAndErrorsNameIt() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"chat_template": "json"}"#.write(to: dir.appendingPathComponent("chat_template.json"), atomically: true, encoding: .utf8)
        try "jinja {{ messages | length }}".write(to: dir.appendingPathComponent("chat_template.jinja"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try ChatTemplate(checkpointDirectory: dir, specialTokens: ChatSpecialTokens()).renderImagePrompt(text: "x"), "jinja 1")
        try "{% if %}".write(to: dir.appendingPathComponent("chat_template.jinja"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ChatTemplate(checkpointDirectory: dir, specialTokens: ChatSpecialTokens())) { error in
            guard case let JinjaError.syntax(source, line, _)? = error as? JinjaError else { return XCTFail("\(error)") }
            XCTAssertEqual(source, dir.appendingPathComponent("chat_template.jinja").path)
            XCTAssertEqual(line, 1)
        }
    }

    func testRenderingIsFast() throws {
        let template = try ChatTemplate(checkpointDirectory: Fixtures.qwen2Directory)
        let start = Date()
        for _ in 0..<200 { _ = try template.renderImagePrompt(text: "Transcribe this page.") }
        let perRender = Date().timeIntervalSince(start) / 200
        print(String(format: "chat template render: %.1f µs per prompt (debug build)", perRender * 1e6))
        XCTAssertLessThan(perRender, 0.005, "a prompt should render in well under a millisecond in release builds")
    }

    private static func ayaSource() throws -> String? {
        let config = try XCTUnwrap(Fixtures.json("aya-tiny/tokenizer_config.json") as? [String: Any])
        return config["chat_template"] as? String
    }
}
