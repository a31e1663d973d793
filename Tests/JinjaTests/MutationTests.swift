import Foundation
import XCTest
@testable import Jinja

/// Randomly damaged corpus templates (seeded, so every run sees the same 600 sources): each one
/// either renders or fails with a JinjaError naming its file — never a trap, a hang or another error.
final class MutationTests: XCTestCase {
    /// Knuth's MMIX linear congruential generator, high bits out: seeded, so failures reproduce.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 32 | state << 32
        }
    }

    func testDamagedTemplatesFailCleanly() throws {
        let dir = CorpusTests.fixtures.appendingPathComponent("templates")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jinja") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 40)
        let sources = try files.map { Array(try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8).unicodeScalars) }
        let pieces = ["{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "(", ")", "[", "]", "'", "\"", "\\", "|", ".", ":", "\n", " ",
                      "é", "📝", "{% endfor %}", "{% endif %}", "loop.", "[-1]", "[::-1]", "|tojson", "|length", "is", "not", "**",
                      "//", "%", "~", "{% raw %}", "{% endraw %}", "\r"]
        let messages: Value = [["role": "system", "content": "S"],
                               ["role": "user", "content": [["type": "image"], ["type": "text", "text": "hi"]]],
                               ["role": "assistant", "content": "a"]]
        var rng = Seeded(state: 20_260_305)
        var rendered = 0
        for n in 0..<600 {
            let name = files[n % files.count]
            var s = sources[n % files.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !s.isEmpty {
                let at = Int.random(in: 0..<s.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: s.remove(at: at)
                case 1: s.insert(contentsOf: pieces.randomElement(using: &rng)!.unicodeScalars, at: at)
                default: s.removeSubrange(at..<min(s.count, at + Int.random(in: 1...20, using: &rng)))
                }
            }
            do {
                _ = try Template(String(String.UnicodeScalarView(s)), sourceName: name)
                    .render(["messages": messages, "add_generation_prompt": true, "bos_token": "<s>", "tools": .none])
                rendered += 1
            } catch let error as JinjaError {
                XCTAssertTrue(error.description.hasPrefix(name + " line "), error.description)
            }
        }
        print("mutated templates: \(rendered) of 600 rendered, the rest failed with a JinjaError")
    }
}
