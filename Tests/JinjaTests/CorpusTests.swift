import Foundation
import XCTest
@testable import Jinja

/// Real chat templates × conversations, rendered byte-identically to transformers' renderer
/// (goldens from scripts/reference/make_jinja_corpus.py in Tests/Fixtures/jinja/goldens.json).
final class CorpusTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/jinja").standardizedFileURL

    struct Outcome {
        var templates = 0
        var conversations = 0
        var identical = 0
        var failures: [String] = []
        var renders = 0
        var renderSeconds = 0.0
        var slowest = (name: "", seconds: 0.0)
    }

    /// Renders every case of a goldens file; template paths are relative to the fixtures folder.
    static func run(goldens url: URL, templateOverride: ((String) -> URL?)? = nil) throws -> Outcome {
        guard case let .dict(root) = try GoldenJSON.parse(try Data(contentsOf: url)),
              case let .dict(conversations)? = root["conversations"], case let .list(templates)? = root["templates"],
              case let .string(nowText)? = root["now"] else {
            throw GoldenJSON.FormatError(description: "\(url.path): not a goldens file")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        let now = try XCTUnwrap(formatter.date(from: nowText))
        var outcome = Outcome()
        outcome.conversations = conversations.count
        for case let .dict(entry) in templates {
            guard case let .string(name)? = entry["name"], case let .string(file)? = entry["file"],
                  case let .dict(kwargs)? = entry["kwargs"], case let .list(cases)? = entry["cases"] else { continue }
            outcome.templates += 1
            let path = templateOverride?(name) ?? (file.hasPrefix("/") ? URL(fileURLWithPath: file) : fixtures.appendingPathComponent(file))
            var source = try String(contentsOf: path, encoding: .utf8)
            if path.pathExtension == "json", case let .dict(d) = try GoldenJSON.parse(Data(source.utf8)), case let .string(s)? = d["chat_template"] {
                source = s
            }
            let template: Template
            do {
                template = try Template(source, sourceName: path.lastPathComponent)
            } catch {
                outcome.failures.append("\(name): parse: \(error)")
                continue
            }
            for case let .dict(c) in cases {
                guard case let .string(cid)? = c["conversation"], case let .dict(conv)? = conversations[.string(cid)],
                      let messages = conv["messages"], let gen = conv["add_generation_prompt"] else { continue }
                var vars: [String: Value] = ["messages": messages, "tools": conv["tools"] ?? .none, "documents": .none,
                                             "add_generation_prompt": gen]
                for (k, v) in kwargs.pairs { if case let .string(key) = k { vars[key] = v } }
                let label = "\(name) × \(cid)"
                do {
                    let start = Date()
                    let rendered = try template.render(vars, now: now)
                    let seconds = Date().timeIntervalSince(start)
                    outcome.renders += 1
                    outcome.renderSeconds += seconds
                    if seconds > outcome.slowest.seconds { outcome.slowest = (label, seconds) }
                    if case let .string(expected)? = c["expected"] {
                        if rendered.utf8.elementsEqual(expected.utf8) {
                            outcome.identical += 1
                        } else {
                            outcome.failures.append("\(label): output differs\n\(firstDifference(rendered, expected))")
                        }
                    } else {
                        outcome.failures.append("\(label): rendered, but transformers raised \(c["error"].map(\.pyStr) ?? "?")")
                    }
                } catch {
                    guard case let .dict(expectedError)? = c["error"] else {
                        outcome.failures.append("\(label): \(error)")
                        continue
                    }
                    // raise_exception must carry the template's own message; other jinja2 errors only need to be errors.
                    if case .string("TemplateError")? = expectedError["type"], case let .string(m)? = expectedError["message"],
                       (error as? JinjaError)?.raisedMessage != m {
                        outcome.failures.append("\(label): expected raise_exception(\(m.debugDescription)), got \(error)")
                    } else {
                        outcome.identical += 1
                    }
                }
            }
        }
        return outcome
    }

    static func firstDifference(_ a: String, _ b: String) -> String {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        let i = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
        func around(_ s: [Unicode.Scalar]) -> String {
            String(String.UnicodeScalarView(s[max(0, i - 40)..<min(s.count, i + 60)])).debugDescription
        }
        return "  at \(i): got      \(around(x))\n  expected \(around(y))"
    }

    static func report(_ o: Outcome) -> String {
        "jinja corpus: \(o.templates) templates × \(o.conversations) conversations: \(o.identical) identical, \(o.failures.count) failed"
            + String(format: " (%.0f µs per render on average, slowest %.0f µs: %@)", o.renderSeconds / Double(max(o.renders, 1)) * 1e6,
                     o.slowest.seconds * 1e6, o.slowest.name)
    }

    func testCommittedCorpusIsByteIdentical() throws {
        let outcome = try Self.run(goldens: Self.fixtures.appendingPathComponent("goldens.json"))
        print(Self.report(outcome))
        for f in outcome.failures { XCTFail(f) }
        XCTAssertGreaterThanOrEqual(outcome.templates, 40)
        XCTAssertGreaterThanOrEqual(outcome.conversations, 5)
    }

    /// One-construct templates (scripts/reference/snippets_for_jinja.py) against jinja2.
    static func runSnippets(goldens url: URL) throws -> (passed: Int, failures: [String]) {
        guard case let .dict(root) = try GoldenJSON.parse(try Data(contentsOf: url)), case let .list(snippets)? = root["snippets"],
              case let .string(nowText)? = root["now"] else {
            throw GoldenJSON.FormatError(description: "\(url.path): no snippets")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        let now = try XCTUnwrap(formatter.date(from: nowText))
        var passed = 0
        var failures: [String] = []
        for case let .dict(s) in snippets {
            guard case let .string(source)? = s["source"], case let .dict(vars)? = s["vars"] else { continue }
            var variables: [String: Value] = [:]
            for (k, v) in vars.pairs { variables[k.pyStr] = v }
            do {
                let rendered = try Template(source, sourceName: "snippet").render(variables, now: now)
                if case let .string(expected)? = s["expected"] {
                    if rendered.utf8.elementsEqual(expected.utf8) { passed += 1 } else {
                        failures.append("\(source.debugDescription): got \(rendered.debugDescription), expected \(expected.debugDescription)")
                    }
                } else {
                    failures.append("\(source.debugDescription): rendered \(rendered.debugDescription), jinja2 raised \(s["error"].map(\.pyStr) ?? "")")
                }
            } catch {
                if case let .dict(e)? = s["error"] {
                    if case .string("TemplateError")? = e["type"], (error as? JinjaError)?.raisedMessage != e["message"]?.pyStr {
                        failures.append("\(source.debugDescription): expected raise_exception message \(e["message"]?.pyStr ?? ""), got \(error)")
                    } else {
                        passed += 1
                    }
                } else {
                    failures.append("\(source.debugDescription): \(error)")
                }
            }
        }
        return (passed, failures)
    }

    func testSnippetsMatchJinja2() throws {
        let (passed, failures) = try Self.runSnippets(goldens: Self.fixtures.appendingPathComponent("goldens.json"))
        print("jinja snippets: \(passed) identical, \(failures.count) failed")
        for f in failures { XCTFail(f) }
        XCTAssertGreaterThan(passed, 60)
    }

    /// The Cohere / Aya Vision template (CC-BY-NC-4.0, never committed; only its renders are, in
    /// cohere-goldens.json): read from $SCRAWL_COHERE_TOKENIZER_DIR or ../shared/tokenizers/cohere.
    func testCohereTemplateWhenPresent() throws {
        let repoRoot = Self.fixtures.appendingPathComponent("../../..").standardizedFileURL
        let dir = ProcessInfo.processInfo.environment["SCRAWL_COHERE_TOKENIZER_DIR"].map { URL(fileURLWithPath: $0) }
            ?? repoRoot.appendingPathComponent("../shared/tokenizers/cohere").standardizedFileURL
        let template = dir.appendingPathComponent("chat_template.json")
        guard FileManager.default.fileExists(atPath: template.path) else {
            throw XCTSkip("Cohere chat template not present at \(template.path): Cohere corpus check skipped")
        }
        let outcome = try Self.run(goldens: Self.fixtures.appendingPathComponent("cohere-goldens.json")) { _ in template }
        print(Self.report(outcome))
        for f in outcome.failures { XCTFail(f) }
        XCTAssertEqual(outcome.identical, outcome.conversations)
    }

    /// A goldens file outside the repository (SCRAWL_JINJA_GOLDENS), e.g. the whole llama.cpp corpus
    /// including templates whose licence keeps them out of the repository.
    func testExternalCorpusWhenGiven() throws {
        guard let path = ProcessInfo.processInfo.environment["SCRAWL_JINJA_GOLDENS"] else {
            throw XCTSkip("SCRAWL_JINJA_GOLDENS not set")
        }
        let outcome = try Self.run(goldens: URL(fileURLWithPath: path))
        print(Self.report(outcome))
        for f in outcome.failures { XCTFail(f) }
        let (passed, failures) = try Self.runSnippets(goldens: URL(fileURLWithPath: path))
        print("jinja snippets: \(passed) identical, \(failures.count) failed")
        for f in failures { XCTFail(f) }
    }
}
