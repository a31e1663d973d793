import Foundation
import XCTest
@testable import Catalog

final class SearchTests: XCTestCase {
    private func corpus() throws -> CatalogFixture {
        let f = try CatalogFixture()
        try f.read("/inbox/zh.jpg", sha: "1", text: "Rechnung aus Zürich, total amount 99.50 CHF, bezahlt am Montag")
        try f.read("/inbox/groceries.jpg", sha: "2", text: "milk eggs bread milk milk butter")
        try f.read("/inbox/meeting.jpg", sha: "3", text: "meeting with Anna and Tom about the budget, bring milk for coffee")
        try f.read("/aya/cafe.jpg", sha: "4", text: "Café crème à Genève, naïve coöperation", model: "aya")
        try f.read("/inbox/code.jpg", sha: "5", text: "don't forget the C++ exam on friday")
        return f
    }

    func testBM25RanksDenserMatchFirstWithSnippet() throws {
        let f = try corpus()
        let hits = try f.catalog.search(SearchQuery(text: "milk"))
        XCTAssertEqual(hits.map(\.path), ["/inbox/groceries.jpg", "/inbox/meeting.jpg"])
        XCTAssertLessThan(hits[0].rank, hits[1].rank, "bm25: more negative is better")
        XCTAssertTrue(hits[0].snippet.contains("«milk»"), hits[0].snippet)
        XCTAssertEqual(hits[0].model, "qwen")
        XCTAssertEqual(hits[0].sha256, "2")
    }

    func testDiacriticsAreFolded() throws {
        let f = try corpus()
        XCTAssertEqual(try f.paths("zurich"), ["/inbox/zh.jpg"])
        XCTAssertEqual(try f.paths("Zürich"), ["/inbox/zh.jpg"])
        XCTAssertEqual(try f.paths("cafe geneve naive cooperation"), ["/aya/cafe.jpg"])
        let snippet = try XCTUnwrap(try f.catalog.search(SearchQuery(text: "zurich")).first?.snippet)
        XCTAssertTrue(snippet.contains("«Zürich»"), "the snippet shows the original text: \(snippet)")
    }

    func testFTS5Syntax() throws {
        let f = try corpus()
        XCTAssertEqual(try f.paths("milk AND budget"), ["/inbox/meeting.jpg"])
        XCTAssertEqual(Set(try f.paths("butter OR anna")), ["/inbox/groceries.jpg", "/inbox/meeting.jpg"])
        XCTAssertEqual(try f.paths("milk NOT coffee"), ["/inbox/groceries.jpg"])
        XCTAssertEqual(try f.paths("\"total amount\""), ["/inbox/zh.jpg"])
        XCTAssertEqual(try f.paths("\"amount total\""), [])
        XCTAssertEqual(try f.paths("rechn*"), ["/inbox/zh.jpg"])
        XCTAssertEqual(try f.paths("NEAR(anna coffee, 10)"), ["/inbox/meeting.jpg"])
        XCTAssertEqual(try f.paths("NEAR(anna coffee, 2)"), [])
    }

    func testInvalidSyntaxIsSearchedAsPlainWords() throws {
        let f = try corpus()
        XCTAssertEqual(try f.paths("don't"), ["/inbox/code.jpg"])
        XCTAssertEqual(try f.paths("C++ exam"), ["/inbox/code.jpg"])
        XCTAssertEqual(try f.paths("\"friday"), ["/inbox/code.jpg"])
        XCTAssertEqual(try f.paths("exam:friday"), [])
        XCTAssertEqual(try f.paths("coffee AND"), ["/inbox/meeting.jpg"], "searched as the words coffee and 'and'")
        XCTAssertEqual(try f.paths("((("), [])
        XCTAssertEqual(try f.paths("   "), [])
    }

    func testFilters() throws {
        let f = try corpus()
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "milk", folder: "/inbox/meeting.jpg")).map(\.path),
                       ["/inbox/meeting.jpg"])
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "cafe", folder: "/inbox")).count, 0)
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "cafe", folder: "/aya/")).count, 1)
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "cafe OR milk", model: "aya")).map(\.path), ["/aya/cafe.jpg"])
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "cafe OR milk", model: "aya-vision")).map(\.path),
                       ["/aya/cafe.jpg"], "an engine name prefix works too")
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "cafe OR milk", model: "qwen")).count, 2)
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "milk", limit: 1)).count, 1)
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "milk", since: Date().addingTimeInterval(3600))).count, 0)
        XCTAssertEqual(try f.catalog.search(SearchQuery(text: "milk", since: Date().addingTimeInterval(-3600))).count, 2)
    }

    func testReindexGivesTheSameResults() throws {
        let f = try corpus()
        try f.catalog.markRemoved(path: "/inbox/meeting.jpg")
        let queries = ["milk", "zurich", "cafe OR exam", "rechn*", "\"total amount\"", "anna"]
        let before = try queries.map { try f.catalog.search(SearchQuery(text: $0)) }
        XCTAssertEqual(try f.catalog.reindex(), 4)
        let after = try queries.map { try f.catalog.search(SearchQuery(text: $0)) }
        XCTAssertEqual(before, after)
        XCTAssertEqual(after[5], [], "a removed document stays out after a reindex")
    }

    func testManyHitsComeBackInRankOrder() throws {
        let f = try CatalogFixture()
        try f.catalog.recordReadScans((0..<1200).map { i in
            (CatalogFixture.scan("/bulk/\(i).jpg", sha: "b\(i)"),
             CatalogFixture.result("common " + String(repeating: "filler ", count: i % 37) + "end"))
        })
        let hits = try f.catalog.search(SearchQuery(text: "common", limit: 5000))
        XCTAssertEqual(hits.count, 1200)
        XCTAssertEqual(Set(hits.map(\.path)).count, 1200)
        XCTAssertEqual(hits.map(\.rank), hits.map(\.rank).sorted(), "best (most negative) first")
        XCTAssertTrue(hits.allSatisfy { $0.snippet.contains("«common»") })
    }
}
