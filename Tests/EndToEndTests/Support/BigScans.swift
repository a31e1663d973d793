import Foundation
import XCTest

/// Valid PNGs of the size of a 600-dpi colour scan: the tiny fixture made unique by a tEXt chunk,
/// with a private ancillary chunk of zeros before IEND (decoders skip it; hashing and reading it cost
/// what a big scan costs).
enum BigScans {
    /// Writes the scan at `path` (in place, not renamed: the caller drops it before the daemon starts
    /// or renames it itself).
    static func write(tag: String, padding: Data, to path: String) throws {
        let tiny = try XCTUnwrap(FileManager.default.contents(atPath: ServeHarness.fixture("qwen2vl/images/tiny.png")))
        let png = uniquePNG(Array(tiny), tag: tag)
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.write(Data(png[..<(png.count - 12)]))
        handle.write(padding)
        handle.write(Data(png[(png.count - 12)...]))
        try handle.close()
    }

    /// A `scRw` chunk (private, ancillary: decoders skip it) of `bytes` zeros, CRC and all.
    static func paddingChunk(bytes: Int) -> Data {
        var chunk = Data(capacity: bytes + 12)
        withUnsafeBytes(of: UInt32(bytes).bigEndian) { chunk.append(contentsOf: $0) }
        let kind = Array("scRw".utf8)
        chunk.append(contentsOf: kind)
        chunk.append(Data(count: bytes))
        var crc = TableCRC32()
        crc.update(kind)
        crc.update(zeros: bytes)
        withUnsafeBytes(of: crc.value.bigEndian) { chunk.append(contentsOf: $0) }
        return chunk
    }
}

/// Table-driven CRC-32 (PNG's), fast enough for a 100 MB chunk in a debug build.
private struct TableCRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        return crc
    }
    private var crc: UInt32 = 0xFFFF_FFFF

    mutating func update(_ bytes: [UInt8]) {
        for byte in bytes { crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }

    mutating func update(zeros count: Int) {
        Self.table.withUnsafeBufferPointer { table in
            for _ in 0..<count { crc = table[Int(crc & 0xFF)] ^ (crc >> 8) }
        }
    }

    var value: UInt32 { ~crc }
}
