import XCTest
@testable import Inference

/// Reference §5.4's worked example: one image of grid (1, 4, 6), "Read the text.".
final class MRoPEPositionTests: XCTestCase {
    func testWorkedExample() {
        let pad = 151655
        let tokens = [151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198, 151652]
            + [Int](repeating: pad, count: 6) + [151653, 4418, 279, 1467, 13, 151645, 198, 151644, 77091, 198]
        XCTAssertEqual(tokens.count, 31)
        let p = Qwen2VLRope.positions(tokens: tokens, imageTokenID: pad, grids: [(1, 4, 6)], mergeSize: 2)
        XCTAssertEqual(p.ropeDelta, -3)
        XCTAssertEqual(Array(p.t[0..<15]), Array(0..<15))
        XCTAssertEqual(Array(p.t[15..<21]), [15, 15, 15, 15, 15, 15])
        XCTAssertEqual(Array(p.h[15..<21]), [15, 15, 15, 16, 16, 16])
        XCTAssertEqual(Array(p.w[15..<21]), [15, 16, 17, 15, 16, 17])
        XCTAssertEqual(p.t[21], 18)  // <|vision_end|> resumes at start + max(1, 2, 3)
        XCTAssertEqual(p.w[30], 27)
        XCTAssertEqual(p.h[30], 27)
        // The first generated token (index 31) gets position 31 + delta = 28.
        XCTAssertEqual(31 + p.ropeDelta, 28)
    }

    func testTextOnlyPromptHasZeroDelta() {
        let p = Qwen2VLRope.positions(tokens: [1, 2, 3], imageTokenID: 9, grids: [], mergeSize: 2)
        XCTAssertEqual(p.t, [0, 1, 2])
        XCTAssertEqual(p.ropeDelta, 0)
    }

    func testVisionPatchOrderIsWindowed() {
        let pos = Qwen2VLVision.patchPositions(gridH: 4, gridW: 6, mergeSize: 2)
        XCTAssertEqual(pos.prefix(6).map { [$0.h, $0.w] }, [[0, 0], [0, 1], [1, 0], [1, 1], [0, 2], [0, 3]])
        XCTAssertEqual(pos[12].h, 2)
        XCTAssertEqual(pos[23].w, 5)
    }
}
