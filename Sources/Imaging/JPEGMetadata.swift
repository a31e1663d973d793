/// What the segments before a JPEG's first scan say: the frame size (from the SOF marker, so the
/// pixel limit is checked before libjpeg sees the file), and the metadata PIL reads from APP1:
/// EXIF (all "Exif\0\0" segments, concatenated the way `JpegImagePlugin` does) and XMP.
/// Walks markers with bounds checks.
struct JPEGMetadata {
    var exif: [UInt8]?
    var xmp: [UInt8]?
    /// (width, height) of the first SOFn segment, if one was found.
    var frameSize: (width: Int, height: Int)?

    /// SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    private static let startOfFrame: Set<UInt8> = [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF]

    private static let exifHeader: [UInt8] = Array("Exif".utf8) + [0, 0]
    private static let xmpHeader: [UInt8] = Array("http://ns.adobe.com/xap/1.0/".utf8) + [0]

    init(jpeg data: [UInt8]) {
        var index = 2  // after SOI
        while index + 1 < data.count {
            guard data[index] == 0xFF else { index += 1; continue }  // skip junk like PIL
            let marker = data[index + 1]
            if marker == 0xFF { index += 1; continue }               // fill byte
            index += 2
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { continue }
            if marker == 0xDA || marker == 0xD9 { break }             // start of scan / end of image
            guard index + 1 < data.count else { break }
            let length = Int(data[index]) << 8 | Int(data[index + 1])
            guard length >= 2, index + length <= data.count else { break }
            let payload = data[(index + 2)..<(index + length)]
            if Self.startOfFrame.contains(marker), frameSize == nil, payload.count >= 5 {
                let p = payload.startIndex
                frameSize = (Int(payload[p + 3]) << 8 | Int(payload[p + 4]), Int(payload[p + 1]) << 8 | Int(payload[p + 2]))
            }
            if marker == 0xE1 {
                if payload.starts(with: Self.exifHeader) {
                    if let first = exif { exif = first + payload.dropFirst(6) } else { exif = Array(payload) }
                } else if payload.starts(with: Self.xmpHeader) {
                    xmp = Array(payload.dropFirst(Self.xmpHeader.count))
                }
            }
            index += length
        }
    }

    /// The orientation PIL's `getexif()` would report: the EXIF tag, else the XMP fallback, else 1.
    var orientation: Int {
        if let exif, let value = ExifOrientationParser.orientation(exif: exif) { return value }
        if let xmp, let value = XMPOrientationParser.orientation(xmp: xmp) { return value }
        return 1
    }
}
