import Foundation

/// Splits text at the matches of a regular expression, keeping both the matches and the text between
/// them as separate pieces (the `Isolated` behaviour of the tokenizers library).
///
/// Uses ICU through NSRegularExpression. HF uses Oniguruma; for the Qwen2 and GPT-2 patterns the two
/// agree on the test corpus (Tests/Fixtures/tokenizers/qwen2-corpus.json), which the tests check.
struct RegexSplitter: @unchecked Sendable {  // NSRegularExpression is immutable and documented thread-safe.
    let pattern: String
    private let regex: NSRegularExpression

    /// The pre-tokenization pattern of GPT-2, used by `ByteLevel` with `use_regex: true`.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    init(pattern: String, file: String) throws {
        self.pattern = pattern
        do {
            regex = try NSRegularExpression(pattern: pattern, options: [])
        } catch {
            throw TokenizerError.invalidRegex(file: file, pattern: pattern, reason: error.localizedDescription)
        }
    }

    /// Appends the pieces of `text` to `out`: matches and the gaps between them, in order, none empty.
    func split(_ text: String, into out: inout [String]) {
        let ns = text as NSString
        let length = ns.length
        guard length > 0 else { return }
        var last = 0
        for match in regex.matches(in: text, options: [], range: NSRange(location: 0, length: length)) {
            let range = match.range
            guard range.length > 0 else { continue }
            if range.location > last {
                out.append(ns.substring(with: NSRange(location: last, length: range.location - last)))
            }
            out.append(ns.substring(with: range))
            last = range.location + range.length
        }
        if last < length {
            out.append(ns.substring(with: NSRange(location: last, length: length - last)))
        }
    }
}
