import Foundation
import XCTest
@testable import Tokenizers

/// The two merge loops (rescanning for short pieces, priority queue for long ones) agree.
final class BPEMergeTests: XCTestCase {
    func testQueueAndRescanAgreeOnRandomPieces() throws {
        let model = try Fixtures.qwen2.get().model
        var state: UInt64 = 42  // a linear congruential sequence: deterministic inputs
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let alphabets = ["abcdefghij ", "aab", "日本語中文字", "ÄÖÜäöüß", "0123456789", "👍🏽❤️", "Ġ\n\t "]
        for round in 0..<150 {
            let alphabet = Array(alphabets[round % alphabets.count])
            let length = 1 + Int(next() % 300)
            let piece = String((0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
            let symbols = model.initialSymbols(piece)
            XCTAssertEqual(BPEMerge.byQueue(symbols, model.merges), BPEMerge.byRescanning(symbols, model.merges), piece.debugDescription)
        }
    }

    func testVeryLongPieceRoundTrips() throws {
        let tokenizer = try Fixtures.qwen2.get()
        // 52k letters in one pre-token (the queue path; rescanning would be quadratic here).
        let text = String(repeating: "abcdefghijklmnopqrstuvwxyz", count: 2_000)
        let ids = tokenizer.encode(text)
        XCTAssertLessThan(ids.count, text.utf8.count / 2)
        XCTAssertEqual(tokenizer.decode(ids), text)
    }
}
