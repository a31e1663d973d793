import Foundation
import XCTest
@testable import Jinja

/// The engine's own contract beyond jinja2 parity: errors name the source, line and construct;
/// a parsed template renders many times; the clock for strftime_now is injectable.
final class EngineTests: XCTestCase {
    private func render(_ source: String, _ vars: [String: Value] = [:], name: String = "t.jinja") throws -> String {
        try Template(source, sourceName: name).render(vars)
    }

    private func assertError(_ source: String, _ vars: [String: Value] = [:], _ expected: JinjaError,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try render(source, vars), file: file, line: line) { error in
            XCTAssertEqual(error as? JinjaError, expected, file: file, line: line)
        }
    }

    func testUnsupportedConstructsNameFileLineAndConstruct() {
        assertError("a\nb\n{{ x | wordwrap(3) }}", ["x": "abc"], .unsupported(source: "t.jinja", line: 3, construct: "filter 'wordwrap'"))
        assertError("{% if x is\n  prime %}{% endif %}", ["x": 3], .unsupported(source: "t.jinja", line: 1, construct: "test 'prime'"))
        assertError("\n\n{{ 'a'.swapcase() }}", [:], .unsupported(source: "t.jinja", line: 3, construct: "method str.swapcase()"))
        assertError("{% set c = cycler('a', 'b') %}", [:], .unsupported(source: "t.jinja", line: 1, construct: "global 'cycler'"))
        assertError("{{ '{:>3}'.format(1) }}", [:], .unsupported(source: "t.jinja", line: 1, construct: "format spec '{:>3}' in str.format"))
        XCTAssertThrowsError(try Template("{% extends 'base.jinja' %}", sourceName: "chat_template.jinja")) { error in
            XCTAssertEqual(error as? JinjaError, .unsupported(source: "chat_template.jinja", line: 1, construct: "tag 'extends'"))
            XCTAssertEqual("\(error)", "chat_template.jinja line 1: unsupported tag 'extends' (scrawl's Jinja engine does not implement it: use a chat template without it, or add it to Sources/Jinja)")
        }
    }

    func testSyntaxErrorsNameTheLine() {
        for (source, line) in [("ok\n{% if x %}\nno end", 3), ("{{ (1 }}", 1), ("a\n\n{% for %}{% endfor %}", 3), ("{{ 'open }}", 1), ("{% break %}", 1)] {
            XCTAssertThrowsError(try Template(source, sourceName: "s.jinja"), source.debugDescription) { error in
                guard case let .syntax(name, l, _)? = error as? JinjaError else { return XCTFail("\(error)") }
                XCTAssertEqual(name, "s.jinja")
                XCTAssertEqual(l, line, source.debugDescription)
            }
        }
    }

    func testRaiseExceptionCarriesTheMessage() {
        assertError("{% for m in messages %}\n{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% endfor %}",
                    ["messages": [["role": "system", "content": "x"]]],
                    .raised(source: "t.jinja", line: 2, message: "System role not supported"))
    }

    func testUndefinedUseIsARuntimeErrorWithTheLine() {
        assertError("x\n{{ messages[0]['content'] }}", ["messages": []],
                    .runtime(source: "t.jinja", line: 2, message: "'list object' has no element 0"))
        assertError("{{ missing.attr }}", [:], .runtime(source: "t.jinja", line: 1, message: "'missing' is undefined"))
        XCTAssertEqual(try render("[{{ missing }}]{{ missing | length }}{{ d.nope }}", ["d": [:]]), "[]0")
    }

    func testParsedOnceRenderedManyTimesWithFreshState() throws {
        let template = try Template("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}",
                                    sourceName: "count.jinja")
        XCTAssertEqual(try template.render(["messages": [1, 2, 3]]), "3")
        XCTAssertEqual(try template.render(["messages": [1]]), "1")
    }

    func testStrftimeNowUsesTheGivenInstant() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let date = try XCTUnwrap(calendar.date(from: DateComponents(year: 2024, month: 7, day: 26, hour: 9, minute: 5, second: 0)))
        let template = try Template("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %-d') if false else strftime_now('%H:%M %p') }}", sourceName: "date.jinja")
        XCTAssertEqual(try template.render([:], now: date), "26 Jul 2024|09:05 AM")
    }

    func testMessagesAsTypedValuesKeepKeyOrderInToJSON() throws {
        let message: Value = ["role": "user", "content": [["type": "image"], ["type": "text", "text": "Grüße 📝"]]]
        XCTAssertEqual(try render("{{ messages[0] | tojson }}", ["messages": [message]]),
                       #"{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Grüße 📝"}]}"#)
        XCTAssertEqual(try render("{{ messages[0].content }}", ["messages": [message]]),
                       "[{'type': 'image'}, {'type': 'text', 'text': 'Grüße 📝'}]")
    }
}

/// Hostile templates fail with errors instead of crashing or hanging.
final class EngineLimitTests: XCTestCase {
    private func assertFails(_ source: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Template(source, sourceName: "h.jinja").render([:]), source, file: file, line: line) { error in
            XCTAssertNotNil(error as? JinjaError, "\(error)", file: file, line: line)
        }
    }

    func testResourceAndArithmeticLimits() {
        assertFails("{{ 'x' * 1000000000000 }}")
        assertFails("{{ [1] * 100000000 }}")
        assertFails("{{ 'x' | indent(100000000000) }}")
        assertFails("{{ range(1000000000000) | length }}")
        assertFails("{{ 2 ** 1000000000000000000 }}")
        assertFails("{{ -9223372036854775807 - 1 }}{{ (-9223372036854775807 - 1) // -1 }}")
        assertFails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
        assertFails("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}")
        XCTAssertThrowsError(try Template("{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}", sourceName: "h.jinja"))
        XCTAssertThrowsError(try Template(String(repeating: "{% if true %}", count: 5000), sourceName: "h.jinja"))
        XCTAssertEqual(try Template("{{ 7 // -1 }} {{ 7 % -1 }} {{ 3 ** 4 }} {{ range(0, 10, 4) | list }} {{ range(10, 0, -3) | list }}", sourceName: "ok").render([:]),
                       "-7 0 81 [0, 4, 8] [10, 7, 4, 1]")
    }
}
