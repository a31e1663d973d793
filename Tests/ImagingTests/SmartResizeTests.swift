import XCTest
@testable import Imaging

final class SmartResizeTests: XCTestCase {
    /// The checked examples of shared/reference/qwen2-vl.md §3.3 (h×w → h×w, min 3136, max 12845056).
    func testReferenceExamples() throws {
        let examples: [((Int, Int), (Int, Int))] = [
            ((56, 84), (56, 84)), ((1000, 1000), (1008, 1008)), ((3508, 2480), (3500, 2492)),
            ((70, 70), (56, 56)), ((126, 98), (112, 112)), ((20, 20), (56, 56)), ((28, 28), (56, 56)),
            ((5000, 4000), (4004, 3192)), ((10000, 10000), (3556, 3556)), ((30, 5000), (28, 5012)),
            ((600, 800), (588, 812)), ((1080, 1920), (1092, 1932)),
        ]
        for ((h, w), (eh, ew)) in examples {
            let size = try SmartResize.size(height: h, width: w, factor: 28, minPixels: 3136, maxPixels: 12_845_056)
            XCTAssertEqual([size.height, size.width], [eh, ew], "\(h)x\(w)")
        }
    }

    func testMatchesTransformersTable() throws {
        let cases = try ImagingFixtures.manifest().smartResize
        XCTAssertGreaterThan(cases.count, 200)
        for item in cases {
            let label = "\(item.height)x\(item.width) min \(item.minPixels) max \(item.maxPixels)"
            if let expected = item.result {
                let size = try SmartResize.size(height: item.height, width: item.width, factor: item.factor,
                                                minPixels: item.minPixels, maxPixels: item.maxPixels)
                XCTAssertEqual([size.height, size.width], expected, label)
            } else {
                XCTAssertThrowsError(try SmartResize.size(height: item.height, width: item.width, factor: item.factor,
                                                          minPixels: item.minPixels, maxPixels: item.maxPixels), label)
            }
        }
    }

    func testAspectRatioAndBadInputErrors() {
        XCTAssertThrowsError(try SmartResize.size(height: 1, width: 201, factor: 28, minPixels: 3136, maxPixels: 12_845_056)) { error in
            XCTAssertEqual(error as? SmartResizeError, .aspectRatioTooLarge(height: 1, width: 201))
        }
        XCTAssertNoThrow(try SmartResize.size(height: 1, width: 200, factor: 28, minPixels: 3136, maxPixels: 12_845_056))
        XCTAssertThrowsError(try SmartResize.size(height: 0, width: 10, factor: 28, minPixels: 3136, maxPixels: 12_845_056))
        XCTAssertThrowsError(try SmartResize.size(height: 10, width: 10, factor: 0, minPixels: 3136, maxPixels: 12_845_056))
    }
}
