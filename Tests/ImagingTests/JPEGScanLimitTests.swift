import Foundation
import XCTest
@testable import Imaging

/// libjpeg-turbo's progressive scan limit (issue 10, item 7): a few kB of progressive JPEG can hold
/// thousands of scans, each a full pass over the coefficients. Tests/Fixtures/jpeg-scans/896-scans.jpg
/// (scripts/make-many-scans-jpeg.py) is a legal progression of 896 scans.
final class JPEGScanLimitTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/jpeg-scans/896-scans.jpg").standardizedFileURL

    func testAProgressiveJPEGWithMoreThan500ScansIsRefusedWithTheReason() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.fixture))
        XCTAssertLessThan(bytes.count, 16 << 10)
        XCTAssertThrowsError(try ImageDecoder.decode(data: bytes)) { error in
            guard case ImageDecodeError.damaged(format: .jpeg, let detail) = error else {
                return XCTFail("not a damaged-JPEG error: \(error)")
            }
            XCTAssertTrue(detail.contains("500 scans"), detail)
            XCTAssertTrue("\(error)".contains("500 scans"), "\(error)")
        }
    }

    /// The file is refused for its scan count alone: without the limit it decodes (flat grey, no
    /// libjpeg warning, which would be an error here too), so the refusal above is the limit's.
    func testTheSameFileDecodesWithoutTheLimit() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.fixture))
        let result = try JPEGDecoder.decode(bytes, limits: ImageLimits(), limitScans: false)
        XCTAssertEqual(result.image.width, 8)
        XCTAssertEqual(result.image.height, 8)
        XCTAssertEqual(Set(result.image.pixels), [128])
    }
}
