/// GPT-2's reversible byte ↔ character map (`bytes_to_unicode`), used by byte-level BPE: printable
/// Latin-1 bytes map to themselves, the other 68 bytes to U+0100… in byte order.
enum ByteLevelAlphabet {
    /// `characters[b]` is the character that stands for byte `b` in vocabulary strings.
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    /// The inverse map, indexed by scalar value (all 256 characters are below U+0144): byte, or -1.
    static let bytes: [Int16] = {
        var map = [Int16](repeating: -1, count: 0x144)
        for (byte, scalar) in characters.enumerated() { map[Int(scalar.value)] = Int16(byte) }
        return map
    }()

    /// The vocabulary string of a byte sequence (e.g. " wörld" → "ĠwÃ¶rld").
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = String.UnicodeScalarView()
        for b in bytes { out.append(characters[Int(b)]) }
        return String(out)
    }

    /// The bytes a token string stands for, as the ByteLevel decoder does: if every character is in the
    /// alphabet, the mapped bytes; otherwise (e.g. an added token with a space) the token's own UTF-8.
    static func decode(_ token: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(token.unicodeScalars.count)
        let table = bytes
        for scalar in token.unicodeScalars {
            let v = Int(scalar.value)
            guard v < table.count, table[v] >= 0 else { return Array(token.utf8) }
            out.append(UInt8(table[v]))
        }
        return out
    }
}
