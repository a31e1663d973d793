import Foundation
import FuzzSupport
import Tokenizers

/// The real Qwen2 tokenizer (Tests/Fixtures/tokenizers/qwen2) and the tiny Cohere-style Aya one, on
/// arbitrary bytes. The first byte picks what is fuzzed:
/// - even: encode the rest as text (invalid UTF-8 becomes U+FFFD). Every id must be in the vocabulary,
///   and for Qwen2 (NFC, byte-level, no prefix space) decode(encode(s)) must give back s.
/// - odd: read the rest as little-endian UInt16 ids (some out of range or negative), decode them and
///   stream them through StreamingDetokenizer; the streamed pieces joined must equal decode().
/// Bit 1 of the selector picks the Aya tokenizer, bit 2 skipSpecialTokens / addSpecialTokens.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    guard let selector = bytes.first else { return 0 }
    let useAya = selector & 2 != 0
    let flag = selector & 4 != 0
    let tokenizer = useAya ? FuzzTokenizers.aya : FuzzTokenizers.qwen2
    let rest = bytes.dropFirst()
    if selector & 1 == 0 {
        let text = String(decoding: rest, as: UTF8.self)
        let ids = tokenizer.encode(text, addSpecialTokens: flag)
        for id in ids where tokenizer.token(forID: id) == nil {
            fuzzFailure("encode gave id \(id) with no token (vocabulary size \(tokenizer.vocabularySize)) for \(Array(rest))")
        }
        if !useAya {
            let back = tokenizer.decode(ids)
            if back != text { fuzzFailure("Qwen2 round trip changed \(Array(text.utf8)) into \(Array(back.utf8)) via \(ids)") }
        }
    } else {
        var ids = [Int]()
        var index = rest.startIndex
        while index + 1 < rest.endIndex {
            let raw = Int(UInt16(rest[index]) | UInt16(rest[index + 1]) << 8)
            // Spread over the vocabulary, a little past both ends.
            ids.append(raw % (tokenizer.vocabularySize + 8) - 4)
            index += 2
        }
        let whole = tokenizer.decode(ids, skipSpecialTokens: flag)
        var stream = StreamingDetokenizer(tokenizer: tokenizer, skipSpecialTokens: flag)
        var pieces = ""
        for id in ids { pieces += stream.append(id) }
        pieces += stream.finish()
        if Array(pieces.utf8) != Array(whole.utf8) {
            fuzzFailure("streamed \(Array(pieces.utf8)) but decode gave \(Array(whole.utf8)) for ids \(ids)")
        }
    }
    return 0
}

/// Tokenizers loaded once per process from the committed fixtures.
enum FuzzTokenizers {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../Fixtures/tokenizers").standardizedFileURL
    static let qwen2 = load("qwen2")
    static let aya = load("aya-tiny")

    static func load(_ name: String) -> BPETokenizer {
        let directory = fixtures.appendingPathComponent(name)
        do {
            return try BPETokenizer(directory: directory)
        } catch {
            fuzzFailure("cannot load the \(name) tokenizer fixture from \(directory.path): \(error)")
        }
    }
}
