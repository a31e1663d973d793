import Foundation
import Imaging
import XCTest
@testable import Inference

/// A CancellationFlag stops a read between vision layers and between tokens, and the engine stays usable.
final class CancellationTests: XCTestCase {
    private func engineAndImage() throws -> (Qwen2VLEngine, RGBImage) {
        let engine = try Qwen2VLEngine(checkpoint: Qwen2VLFixtures.root.appendingPathComponent("tiny-f32"))
        let image = try ImageDecoder.decode(fileAt: Qwen2VLFixtures.root.appendingPathComponent("images/tiny.png").path).image
        return (engine, image)
    }

    private func assertCancelled(_ body: () throws -> OCRResult, reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? OCRError, .cancelled(reason: reason), file: file, line: line)
        }
    }

    func testCancelDuringTheVisionTowerStopsBeforePrefill() throws {
        let (engine, image) = try engineAndImage()
        let flag = CancellationFlag()
        var layersSeen = 0, prefilled = false
        assertCancelled({
            try engine.read(image, request: OCRRequest(maxNewTokens: 8, greedy: true, cancellation: flag)) { event in
                switch event {
                case .visionLayer: layersSeen += 1; flag.cancel(reason: "shutting down")
                case .prefillDone: prefilled = true
                default: break
                }
            }
        }, reason: "shutting down")
        XCTAssertGreaterThan(layersSeen, 0)
        XCTAssertFalse(prefilled, "the prefill ran after the cancel")
    }

    func testCancelBetweenTokensStopsTheDecode() throws {
        let (engine, image) = try engineAndImage()
        let flag = CancellationFlag()
        var tokens = 0
        assertCancelled({
            try engine.read(image, request: OCRRequest(maxNewTokens: 20, greedy: true, ignoreEOS: true, cancellation: flag)) { event in
                if case .token(_, _, let count) = event {
                    tokens = count
                    if count == 3 { flag.cancel() }
                }
            }
        }, reason: "cancelled")
        XCTAssertEqual(tokens, 3, "no token may follow the cancel")
        // The same engine reads the next request to the end.
        let result = try engine.read(image, request: OCRRequest(maxNewTokens: 5, greedy: true, ignoreEOS: true)) { _ in }
        XCTAssertEqual(result.tokens.count, 5)
    }

    func testAPassedDeadlineCancels() throws {
        let (engine, image) = try engineAndImage()
        let flag = CancellationFlag(deadline: .now - .seconds(1))
        assertCancelled({
            try engine.read(image, request: OCRRequest(maxNewTokens: 4, cancellation: flag)) { _ in }
        }, reason: "deadline passed")
    }

    func testACancelBeforeTheReadStopsItAndTheFlagOutlivesIt() throws {
        let (engine, image) = try engineAndImage()
        let flag = CancellationFlag()
        flag.cancel(reason: "stop")
        for _ in 0..<3 {
            assertCancelled({ try engine.read(image, request: OCRRequest(maxNewTokens: 4, cancellation: flag)) { _ in } }, reason: "stop")
        }
        XCTAssertEqual(flag.cancellationReason, "stop")
    }
}
