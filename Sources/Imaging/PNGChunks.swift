/// A bounds-checked walk over a PNG's chunks: the IHDR fields, the eXIf payload, and a copy of the
/// stream without the chunks PIL ignores but libpng's simplified API would act on.
struct PNGChunks {
    var width = 0
    var height = 0
    var bitDepth = 0
    var colorType = 0
    var exif: [UInt8]?
    /// XMP from an uncompressed iTXt or a tEXt chunk keyed "XML:com.adobe.xmp" (PIL's fallback
    /// source of the orientation). Compressed iTXt is not inflated here.
    var xmp: [UInt8]?
    /// The file with gAMA, sRGB, iCCP, cHRM and tRNS removed (PIL ignores gamma and colour
    /// profiles, and `convert("RGB")` ignores transparency; libpng would gamma-convert or composite).
    var stripped: [UInt8]
    /// Offset in `stripped` just past the IHDR chunk.
    private var headerEnd = 0

    /// Chunks removed before libpng sees the stream.
    private static let ignoredTypes: Set<String> = ["gAMA", "sRGB", "iCCP", "cHRM", "tRNS"]

    init(png data: [UInt8]) throws(ImageDecodeError) {
        let reader = ByteReader(bytes: data[...])
        var index = 8
        var kept = Array(data[0..<min(8, data.count)])
        var sawHeader = false
        var removedAny = false
        while index + 8 <= data.count {
            guard let rawLength = reader.u32(index, false) else { break }
            let length = Int(rawLength)
            let typeBytes = data[(index + 4)..<(index + 8)]
            let type = String(decoding: typeBytes, as: UTF8.self)
            let end = index + 12 + length
            guard length < 0x8000_0000, end <= data.count else {
                throw .damaged(format: .png, detail: "chunk \(type) claims \(length) bytes but the file ends first (truncated)")
            }
            let body = data[(index + 8)..<(index + 8 + length)]
            if !sawHeader {
                guard type == "IHDR", length >= 13 else {
                    throw .damaged(format: .png, detail: "the first chunk is \(type), not IHDR")
                }
                let header = ByteReader(bytes: body)
                width = Int(header.u32(0, false) ?? 0)
                height = Int(header.u32(4, false) ?? 0)
                bitDepth = Int(header.byte(8) ?? 0)
                colorType = Int(header.byte(9) ?? 0)
                headerEnd = end
                sawHeader = true
            }
            if type == "eXIf" { exif = Array(body) }
            if type == "iTXt" || type == "tEXt", let text = Self.xmpText(type: type, body: body) { xmp = text }
            if Self.ignoredTypes.contains(type) {
                removedAny = true
            } else {
                kept += data[index..<end]
            }
            index = end
            if type == "IEND" { break }
        }
        guard sawHeader else {
            throw .damaged(format: .png, detail: "no IHDR chunk (file too short: \(data.count) bytes)")
        }
        stripped = removedAny ? kept : data
    }

    /// `stripped` with one more chunk right after IHDR (IHDR is never removed, so its end is unchanged).
    func stripped(inserting type: String, _ payload: [UInt8]) -> [UInt8] {
        guard stripped.count >= headerEnd else { return stripped }
        let typeBytes = Array(type.utf8)
        let length = UInt32(payload.count)
        let lengthBytes = (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * UInt32($0))) }
        let crc = CRC32.checksum(typeBytes + payload)
        let crcBytes = (0..<4).map { UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32($0))) }
        return Array(stripped[0..<headerEnd]) + lengthBytes + typeBytes + payload + crcBytes + stripped[headerEnd...]
    }

    /// The orientation PIL's `getexif()` reports for a PNG: eXIf, else the XMP fallback, else 1.
    var orientation: Int {
        if let exif, let value = ExifOrientationParser.orientation(exif: exif) { return value }
        if let xmp, let value = XMPOrientationParser.orientation(xmp: xmp) { return value }
        return 1
    }

    private static let xmpKeyword = Array("XML:com.adobe.xmp".utf8)

    /// tEXt: keyword NUL text. iTXt: keyword NUL flag method language NUL translated NUL text.
    private static func xmpText(type: String, body: ArraySlice<UInt8>) -> [UInt8]? {
        guard body.starts(with: xmpKeyword + [0]) else { return nil }
        let rest = body.dropFirst(xmpKeyword.count + 1)
        if type == "tEXt" { return Array(rest) }
        guard rest.count >= 2, rest[rest.startIndex] == 0 else { return nil }  // compressed: not read
        let afterFlags = rest.dropFirst(2)
        guard let languageEnd = afterFlags.firstIndex(of: 0) else { return nil }
        let afterLanguage = afterFlags[(languageEnd + 1)...]
        guard let translatedEnd = afterLanguage.firstIndex(of: 0) else { return nil }
        return Array(afterLanguage[(translatedEnd + 1)...])
    }
}
