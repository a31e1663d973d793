/// Finds added tokens in text the way the tokenizers library does: leftmost-longest, non-overlapping
/// matches of the literal token strings, honouring `single_word`, `lstrip` and `rstrip`.
struct AddedTokenMatcher: Sendable {
    /// A stretch of the input: either plain text (to normalise and tokenize) or an added token's id.
    enum Segment: Equatable {
        case text(String)
        case token(Int)
    }

    private struct Candidate: Sendable {
        let bytes: [UInt8]
        let token: AddedToken
    }

    /// Candidates by first UTF-8 byte, longest first.
    private let byFirstByte: [[Candidate]]
    let isEmpty: Bool

    /// - Parameter transform: applied to each token's content before matching (the normaliser for
    ///   `normalized` tokens, identity otherwise).
    init(tokens: [AddedToken], transform: (String) -> String = { $0 }) {
        var table = [[Candidate]](repeating: [], count: 256)
        for token in tokens {
            let bytes = Array(transform(token.content).utf8)
            guard let first = bytes.first else { continue }
            table[Int(first)].append(Candidate(bytes: bytes, token: token))
        }
        for i in 0..<256 { table[i].sort { $0.bytes.count > $1.bytes.count } }
        byFirstByte = table
        isEmpty = tokens.isEmpty
    }

    /// Splits `text` into plain-text segments and added-token segments, in order.
    func split(_ text: String) -> [Segment] {
        if isEmpty { return text.isEmpty ? [] : [.text(text)] }
        let bytes = Array(text.utf8)
        var segments = [Segment]()
        var textStart = 0  // start of the pending plain text
        var i = 0
        while i < bytes.count {
            guard let match = longestMatch(in: bytes, at: i) else {
                i += 1
                continue
            }
            let end = i + match.bytes.count
            let token = match.token
            if token.singleWord && (Self.endsWithWordCharacter(bytes[..<i]) || Self.startsWithWordCharacter(bytes[end...])) {
                i += 1
                continue
            }
            var start = i
            var stop = end
            if token.lstrip { start = max(Self.whitespaceStart(bytes, before: i), textStart) }
            if token.rstrip { stop = Self.whitespaceEnd(bytes, after: end) }
            if start > textStart { segments.append(.text(String(decoding: bytes[textStart..<start], as: UTF8.self))) }
            segments.append(.token(token.id))
            textStart = stop
            i = stop
        }
        if textStart < bytes.count { segments.append(.text(String(decoding: bytes[textStart...], as: UTF8.self))) }
        return segments
    }

    private func longestMatch(in bytes: [UInt8], at i: Int) -> Candidate? {
        for candidate in byFirstByte[Int(bytes[i])] {
            let n = candidate.bytes.count
            if i + n <= bytes.count && bytes[i..<(i + n)].elementsEqual(candidate.bytes) { return candidate }
        }
        return nil
    }

    // MARK: whitespace and word boundaries (Unicode, as Rust's char::is_whitespace / is_alphanumeric)

    private static func whitespaceStart(_ bytes: [UInt8], before index: Int) -> Int {
        let prefix = String(decoding: bytes[..<index], as: UTF8.self)
        var start = index
        for scalar in prefix.unicodeScalars.reversed() {
            guard scalar.properties.isWhitespace else { break }
            start -= String(scalar).utf8.count
        }
        return start
    }

    private static func whitespaceEnd(_ bytes: [UInt8], after index: Int) -> Int {
        let suffix = String(decoding: bytes[index...], as: UTF8.self)
        var end = index
        for scalar in suffix.unicodeScalars {
            guard scalar.properties.isWhitespace else { break }
            end += String(scalar).utf8.count
        }
        return end
    }

    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private static func endsWithWordCharacter(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let last = String(decoding: bytes, as: UTF8.self).unicodeScalars.last else { return false }
        return isWordCharacter(last)
    }

    private static func startsWithWordCharacter(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = String(decoding: bytes, as: UTF8.self).unicodeScalars.first else { return false }
        return isWordCharacter(first)
    }
}
