/// Bounds-checked big/little-endian reads from a byte slice; every read returns nil past the end.
struct ByteReader {
    let bytes: ArraySlice<UInt8>

    func byte(_ offset: Int) -> UInt8? {
        guard offset >= 0, offset < bytes.count else { return nil }
        return bytes[bytes.startIndex + offset]
    }

    func u16(_ offset: Int, _ littleEndian: Bool) -> UInt16? {
        guard let a = byte(offset), let b = byte(offset + 1) else { return nil }
        return littleEndian ? UInt16(a) | UInt16(b) << 8 : UInt16(a) << 8 | UInt16(b)
    }

    func u32(_ offset: Int, _ littleEndian: Bool) -> UInt32? {
        guard let a = u16(offset, littleEndian), let b = u16(offset + 2, littleEndian) else { return nil }
        return littleEndian ? UInt32(a) | UInt32(b) << 16 : UInt32(a) << 16 | UInt32(b)
    }
}
