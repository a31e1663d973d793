/// Reads the orientation tag (0x0112 in IFD0) from EXIF data, with every offset bounds-checked.
/// Malformed or missing data gives nil: the image is then used as stored.
public enum ExifOrientationParser {
    private static let orientationTag: UInt16 = 0x0112

    /// `exif` is the TIFF structure, optionally preceded by one or two "Exif\0\0" headers
    /// (as PIL strips them). Returns the tag's value if it is a single integer, else nil.
    public static func orientation(exif: [UInt8]) -> Int? {
        var start = 0
        let header: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]  // "Exif\0\0"
        for _ in 0..<2 where exif.count >= start + 6 && Array(exif[start..<start + 6]) == header {
            start += 6
        }
        let tiff = ArraySlice(exif[start...])
        return orientation(tiff: tiff)
    }

    private static func orientation(tiff: ArraySlice<UInt8>) -> Int? {
        let reader = ByteReader(bytes: tiff)
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (reader.byte(0), reader.byte(1)) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        guard reader.u16(2, littleEndian) == 42,
              let ifdOffset = reader.u32(4, littleEndian),
              let count = reader.u16(Int(ifdOffset), littleEndian) else { return nil }
        let entries = Int(ifdOffset) + 2
        for index in 0..<Int(count) {
            let entry = entries + index * 12
            guard let tag = reader.u16(entry, littleEndian),
                  let type = reader.u16(entry + 2, littleEndian),
                  let valueCount = reader.u32(entry + 4, littleEndian) else { return nil }
            guard tag == orientationTag else { continue }
            guard valueCount == 1 else { return nil }
            switch type {
            case 1, 7: return reader.byte(entry + 8).map(Int.init)                  // BYTE, UNDEFINED
            case 6: return reader.byte(entry + 8).map { Int(Int8(bitPattern: $0)) }  // SBYTE
            case 3: return reader.u16(entry + 8, littleEndian).map(Int.init)        // SHORT
            case 8: return reader.u16(entry + 8, littleEndian).map { Int(Int16(bitPattern: $0)) }
            case 4: return reader.u32(entry + 8, littleEndian).map(Int.init)        // LONG
            case 9: return reader.u32(entry + 8, littleEndian).map { Int(Int32(bitPattern: $0)) }
            default: return nil
            }
        }
        return nil
    }
}

/// Reads PIL's XMP fallback: `tiff:Orientation="N"` or `tiff:Orientation>N` (first match).
public enum XMPOrientationParser {
    public static func orientation(xmp: [UInt8]) -> Int? {
        let key = Array("tiff:Orientation".utf8)
        guard xmp.count > key.count + 1 else { return nil }
        var index = 0
        while index + key.count + 1 < xmp.count {
            if xmp[index] == key[0], Array(xmp[index..<index + key.count]) == key {
                var cursor = index + key.count
                if xmp[cursor] == UInt8(ascii: "=") && cursor + 2 < xmp.count && xmp[cursor + 1] == UInt8(ascii: "\"") {
                    cursor += 2
                } else if xmp[cursor] == UInt8(ascii: ">") {
                    cursor += 1
                } else {
                    index += 1
                    continue
                }
                if cursor < xmp.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(xmp[cursor]) {
                    return Int(xmp[cursor] - UInt8(ascii: "0"))
                }
            }
            index += 1
        }
        return nil
    }
}
