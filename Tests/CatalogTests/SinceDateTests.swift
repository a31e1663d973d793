import Foundation
import XCTest
@testable import Catalog

final class SinceDateTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)
    private let utc = TimeZone(identifier: "UTC")!

    func testRelativeSpans() throws {
        XCTAssertEqual(try SinceDate.parse("7d", now: now), now.addingTimeInterval(-7 * 86_400))
        XCTAssertEqual(try SinceDate.parse("24h", now: now), now.addingTimeInterval(-86_400))
        XCTAssertEqual(try SinceDate.parse("30m", now: now), now.addingTimeInterval(-1_800))
        XCTAssertEqual(try SinceDate.parse("2w", now: now), now.addingTimeInterval(-14 * 86_400))
    }

    func testISODates() throws {
        XCTAssertEqual(try SinceDate.parse("2026-11-01", timeZone: utc), Date(timeIntervalSince1970: 1_793_491_200))
        XCTAssertEqual(try SinceDate.parse("2026-11-01T08:30:00Z"), Date(timeIntervalSince1970: 1_793_491_200 + 30_600))
        XCTAssertEqual(try SinceDate.parse("2026-11-01T08:30", timeZone: utc), Date(timeIntervalSince1970: 1_793_491_200 + 30_600))
    }

    func testGarbageIsRejectedWithTheForms() {
        for text in ["yesterday", "7x", "2026-13-45", "", "-3d"] {
            XCTAssertThrowsError(try SinceDate.parse(text, now: now), text) { error in
                XCTAssertTrue("\(error)".contains("7d"), "\(error)")
            }
        }
    }
}
