import Foundation
import FuzzSupport
import Tokenizers

/// The tokenizer.json parser on arbitrary bytes (written to a scratch file, since the loader takes a
/// path). A file that loads is then used: encode a fixed text, decode the ids, stream them back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    let url = ScratchFile.url
    do {
        try Data(bytes).write(to: url)
    } catch {
        fuzzFailure("cannot write the scratch file \(url.path): \(error)")
    }
    guard let tokenizer = try? BPETokenizer(tokenizerJSON: url, tokenizerConfig: nil) else { return 0 }
    let ids = tokenizer.encode(ScratchFile.sample, addSpecialTokens: true)
    for id in ids where tokenizer.token(forID: id) == nil {
        fuzzFailure("encode gave id \(id) with no token (vocabulary size \(tokenizer.vocabularySize))")
    }
    let whole = tokenizer.decode(ids + [-1, tokenizer.vocabularySize], skipSpecialTokens: true)
    var stream = StreamingDetokenizer(tokenizer: tokenizer, skipSpecialTokens: true)
    var pieces = ""
    for id in ids { pieces += stream.append(id) }
    pieces += stream.finish()
    if Array(pieces.utf8) != Array(whole.utf8) { fuzzFailure("streamed text differs from decode()") }
    return 0
}

enum ScratchFile {
    /// One file per fuzzing process (libFuzzer's -jobs/-workers run several).
    static let url = URL(fileURLWithPath: NSTemporaryDirectory())
        .appendingPathComponent("scrawl-fuzz-tokenizer-\(ProcessInfo.processInfo.processIdentifier).json")
    static let sample = "Hello wörld <s> 12345 \u{1F600}\n\tend "
}
