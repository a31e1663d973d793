import Foundation
import XCTest
@testable import Tokenizers

/// The two merge loops (rescanning for short pieces, priority queue for long ones) agree.
final class BPEMergeTests: XCTestCase {
    func testQueueAndRescanAgreeOnRandomPieces() throws {
        let model = try Fixtures.qwen2.get().model
        var rng = SplitMix64(seed: 42)
        let alphabets = ["abcdefghij ", "aab", "日本語中文字", "ÄÖÜäöüß", "0123456789", "👍🏽❤️", "Ġ\n\t "]
        for round in 0..<150 {
            let alphabet = Array(alphabets[round % alphabets.count])
            let length = 1 + Int(rng.next() % 300)
            let piece = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
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

/// A small deterministic generator for test inputs.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
