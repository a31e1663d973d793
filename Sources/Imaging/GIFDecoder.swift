import CGIF

/// GIF → RGB8 with giflib, first frame only, composed the way PIL shows frame 0: a canvas of the
/// logical screen (grown if the frame sticks out), filled with the transparent index if the frame's
/// graphic control block names one, else index 0; the frame's rows written over it (transparent
/// pixels included, PIL ignores transparency in `convert("RGB")`); then palette lookup with the
/// frame's local palette or the global one. Indices past the palette are black; a GIF without a
/// palette (or with PIL's identity grey ramp) maps index i to grey i. Later frames are never read.
enum GIFDecoder {
    /// giflib reads through this object, found again from `GifFileType.UserData`.
    private final class Source {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private static let read: InputFunc = { gif, buffer, wanted in
        guard let gif, let buffer, let user = gif.pointee.UserData, wanted > 0 else { return 0 }
        let source = Unmanaged<Source>.fromOpaque(user).takeUnretainedValue()
        let count = min(Int(wanted), source.bytes.count - source.offset)
        guard count > 0 else { return 0 }
        source.bytes.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            buffer.update(from: base + source.offset, count: count)
        }
        source.offset += count
        return Int32(count)
    }

    static func decode(_ data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) -> RGBImage {
        let source = Source(data)
        var openError: Int32 = 0
        let opened = withExtendedLifetime(source) {
            DGifOpen(Unmanaged.passUnretained(source).toOpaque(), read, &openError)
        }
        guard let gif = opened else {
            throw .damaged(format: .gif, detail: errorText(openError))
        }
        defer {
            var closeError: Int32 = 0
            _ = DGifCloseFile(gif, &closeError)
        }
        return try withExtendedLifetime(source) { () throws(ImageDecodeError) -> RGBImage in
            try limits.check(width: Int(gif.pointee.SWidth), height: Int(gif.pointee.SHeight), format: .gif)
            return try readFirstFrame(gif, limits: limits)
        }
    }

    private static func readFirstFrame(_ gif: UnsafeMutablePointer<GifFileType>, limits: ImageLimits) throws(ImageDecodeError) -> RGBImage {
        var transparentIndex: Int?
        while true {
            var record = UNDEFINED_RECORD_TYPE
            guard DGifGetRecordType(gif, &record) == GIF_OK else {
                throw .damaged(format: .gif, detail: errorText(gif.pointee.Error))
            }
            switch record {
            case IMAGE_DESC_RECORD_TYPE:
                guard DGifGetImageDesc(gif) == GIF_OK else {
                    throw .damaged(format: .gif, detail: errorText(gif.pointee.Error))
                }
                return try readFrame(gif, transparentIndex: transparentIndex, limits: limits)
            case EXTENSION_RECORD_TYPE:
                var code: Int32 = 0
                var block: UnsafeMutablePointer<GifByteType>?
                guard DGifGetExtension(gif, &code, &block) == GIF_OK else {
                    throw .damaged(format: .gif, detail: errorText(gif.pointee.Error))
                }
                if code == GRAPHICS_EXT_FUNC_CODE, let block, block[0] >= 4 {
                    transparentIndex = (block[1] & 1) != 0 ? Int(block[4]) : nil
                }
                while block != nil {
                    guard DGifGetExtensionNext(gif, &block) == GIF_OK else {
                        throw .damaged(format: .gif, detail: errorText(gif.pointee.Error))
                    }
                }
            case TERMINATE_RECORD_TYPE:
                throw .damaged(format: .gif, detail: "the file holds no image frame")
            default:
                throw .damaged(format: .gif, detail: "unexpected record in the GIF stream")
            }
        }
    }

    private static func readFrame(_ gif: UnsafeMutablePointer<GifFileType>, transparentIndex: Int?, limits: ImageLimits) throws(ImageDecodeError) -> RGBImage {
        let desc = gif.pointee.Image
        let left = Int(desc.Left), top = Int(desc.Top), frameWidth = Int(desc.Width), frameHeight = Int(desc.Height)
        try limits.check(width: frameWidth, height: frameHeight, format: .gif)
        let canvasWidth = max(Int(gif.pointee.SWidth), left + frameWidth)
        let canvasHeight = max(Int(gif.pointee.SHeight), top + frameHeight)
        try limits.check(width: canvasWidth, height: canvasHeight, format: .gif)

        var indices = [UInt8](repeating: UInt8(truncatingIfNeeded: transparentIndex ?? 0), count: canvasWidth * canvasHeight)
        var line = [GifPixelType](repeating: 0, count: frameWidth)
        for row in interlacedRowOrder(height: frameHeight, interlaced: desc.Interlace) {
            let ok = line.withUnsafeMutableBufferPointer { DGifGetLine(gif, $0.baseAddress, Int32(frameWidth)) }
            guard ok == GIF_OK else {
                throw .damaged(format: .gif, detail: errorText(gif.pointee.Error))
            }
            let start = (top + row) * canvasWidth + left
            indices.replaceSubrange(start..<(start + frameWidth), with: line)
        }
        let palette = GIFPalette(desc.ColorMap ?? gif.pointee.SColorMap)
        return RGBImage(width: canvasWidth, height: canvasHeight, pixels: palette.lookup(indices))
    }

    /// The canvas row of each stored line: sequential, or the 4 GIF interlace passes.
    private static func interlacedRowOrder(height: Int, interlaced: Bool) -> [Int] {
        guard interlaced else { return Array(0..<height) }
        return [(0, 8), (4, 8), (2, 4), (1, 2)].flatMap { start, step in stride(from: start, to: height, by: step) }
    }

    private static func errorText(_ code: Int32) -> String {
        guard let text = GifErrorString(code) else { return "giflib error \(code)" }
        return "giflib: " + String(cString: text)
    }
}

/// A GIF colour table as PIL uses it: nil (or an identity grey ramp) means mode "L".
struct GIFPalette {
    private var table: [UInt8]?

    init(_ map: UnsafeMutablePointer<ColorMapObject>?) {
        guard let map, let colors = map.pointee.Colors, map.pointee.ColorCount > 0 else { table = nil; return }
        var table = [UInt8]()
        var identity = true
        for index in 0..<Int(map.pointee.ColorCount) {
            let color = colors[index]
            table += [color.Red, color.Green, color.Blue]
            if Int(color.Red) != index || color.Green != color.Red || color.Blue != color.Red { identity = false }
        }
        self.table = identity ? nil : table
    }

    func lookup(_ indices: [UInt8]) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: indices.count * 3)
        for (position, index) in indices.enumerated() {
            let i = Int(index)
            if let table {
                guard i * 3 + 2 < table.count else { continue }  // past the palette: black, like PIL
                rgb[position * 3] = table[i * 3]
                rgb[position * 3 + 1] = table[i * 3 + 1]
                rgb[position * 3 + 2] = table[i * 3 + 2]
            } else {
                rgb[position * 3] = index
                rgb[position * 3 + 1] = index
                rgb[position * 3 + 2] = index
            }
        }
        return rgb
    }
}
