/// The binary PPM (P6, maxval 255) pdftoppm writes to stdout, read into an RGBImage.
enum PPMImage {
    static func parse(_ bytes: [UInt8], page: Int, limits: ImageLimits) throws(ImageDecodeError) -> RGBImage {
        var position = 0
        func token() -> String? {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != 0x0A { position += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
                    position += 1
                } else { break }
            }
            let start = position
            while position < bytes.count, ![0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
            return position > start && position - start < 12 ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
        }
        guard token() == "P6", let width = token().flatMap({ Int($0) }), let height = token().flatMap({ Int($0) }),
              token() == "255", position < bytes.count else {
            throw .damaged(format: .pdf, detail: "pdftoppm wrote no image for page \(page)")
        }
        position += 1  // the single whitespace byte after maxval
        try limits.check(width: width, height: height, format: .pdf)
        guard bytes.count - position == width * height * 3 else {
            throw .damaged(format: .pdf, detail: "pdftoppm wrote \(bytes.count - position) pixel bytes for a \(width)x\(height) page \(page)")
        }
        return RGBImage(width: width, height: height, pixels: Array(bytes[position...]))
    }
}
