/// Turns generated ids into text piece by piece. A piece never ends inside a UTF-8 character: bytes of
/// an unfinished character are held back until the next id completes it (or `finish()` flushes them).
/// The pieces joined equal `BPETokenizer.decode` of all ids: invalid bytes become U+FFFD as with HF's
/// `errors="replace"`.
public struct StreamingDetokenizer {
    private let tokenizer: BPETokenizer
    private let skipSpecialTokens: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer, skipSpecialTokens: Bool) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// Adds one id and returns the text that is now complete (often empty for partial characters).
    public mutating func append(_ id: Int) -> String {
        tokenizer.appendBytes(of: id, skipSpecialTokens: skipSpecialTokens, to: &pending)
        let keep = UTF8Tail.incompleteSuffixLength(pending)
        guard pending.count > keep else { return "" }
        let text = String(decoding: pending[..<(pending.count - keep)], as: UTF8.self)
        pending.removeFirst(pending.count - keep)
        return text
    }

    /// Returns whatever is held back (an unfinished character becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }
}

/// Finds a trailing UTF-8 sequence that is a valid start of a character but not yet complete.
enum UTF8Tail {
    /// Number of trailing bytes to hold back (0…3).
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        // The lead byte of an unfinished character is at most 3 bytes from the end.
        for back in 1...min(3, max(n, 1)) where back <= n {
            let lead = bytes[n - back]
            if lead & 0xC0 == 0x80 { continue }  // continuation byte: look further back
            let need = sequenceLength(lead)
            guard need > back else { return 0 }  // complete, ASCII, or invalid lead: nothing to hold
            // Check the continuation bytes after the lead against the ranges Unicode allows.
            for k in 1..<back where !allowed(lead: lead, position: k, byte: bytes[n - back + k]) {
                return 0
            }
            return back
        }
        return 0
    }

    /// Total length of a sequence starting with `lead`, or 0 for a byte that cannot start one.
    private static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 0
        }
    }

    private static func allowed(lead: UInt8, position: Int, byte: UInt8) -> Bool {
        if position == 1 {
            switch lead {
            case 0xE0: return (0xA0...0xBF).contains(byte)
            case 0xED: return (0x80...0x9F).contains(byte)
            case 0xF0: return (0x90...0xBF).contains(byte)
            case 0xF4: return (0x80...0x8F).contains(byte)
            default: break
            }
        }
        return (0x80...0xBF).contains(byte)
    }
}
