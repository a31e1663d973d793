import FuzzSupport
import Inference

/// The safetensors header parser on arbitrary bytes. Every input is tried twice:
/// 1. as a whole file (8-byte length, JSON header, data);
/// 2. as the recipe for a well-formed JSON header whose numbers come from the input (`HeaderRecipe`):
///    Foundation's JSON parser is not instrumented, so without this the fuzzer is blind to the size
///    arithmetic behind the JSON (shape products, offsets, the end of the data).
/// Every entry the parser accepts must lie inside the buffer and match its dtype and shape.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    check(bytes)
    check(HeaderRecipe.file(from: bytes))
    return 0
}

private func check(_ file: [UInt8]) {
    guard let tensors = try? SafetensorsFile.parseHeader(bytes: file) else { return }
    for (name, info) in tensors {
        let elements = info.shape.reduce(into: (1, false)) { acc, dim in
            let (product, overflow) = acc.0.multipliedReportingOverflow(by: dim)
            acc = (product, acc.1 || overflow || dim < 0)
        }
        guard name == info.name, info.offset >= 8, info.byteCount >= 0, info.offset <= file.count,
              info.byteCount <= file.count - info.offset, !elements.1, elements.0 <= info.byteCount else {
            fuzzFailure("accepted \(name): offset \(info.offset), \(info.byteCount) bytes, shape \(info.shape) in \(file.count) bytes")
        }
        // Touch the first and last byte, as a loader would (ASan reports a read outside the buffer).
        if info.byteCount > 0 { _ = file[info.offset] &+ file[info.offset + info.byteCount - 1] }
    }
}

/// Turns fuzz bytes into a safetensors file with a syntactically valid header: up to 4 tensors, each
/// with a dtype, up to 4 dimensions and two offsets. Each number is either small (one byte) or any
/// Int64 (eight bytes), picked by a flag byte, so both plausible and extreme values come up.
enum HeaderRecipe {
    static let dtypes = ["F32", "BF16", "F16", "F64", "I64", "U8", "BOOL", "F8_E4M3", "Q4", ""]

    static func file(from bytes: [UInt8]) -> [UInt8] {
        var reader = Reader(bytes: bytes)
        var entries = [String]()
        let tensorCount = Int(reader.byte() % 4) + 1
        for index in 0..<tensorCount {
            let dtype = dtypes[Int(reader.byte()) % dtypes.count]
            let shape = (0..<Int(reader.byte() % 5)).map { _ in reader.number() }
            let begin = reader.number()
            let end = reader.number()
            entries.append("\"t\(index)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],"
                           + "\"data_offsets\":[\(begin),\(end)]}")
        }
        let header = Array("{\(entries.joined(separator: ","))}".utf8)
        let dataLength = Int(reader.byte())
        var file = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        file += header
        file += [UInt8](repeating: 0xA5, count: dataLength)
        return file
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func byte() -> UInt8 {
            guard index < bytes.count else { return 0 }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func number() -> Int64 {
            let flag = byte()
            if flag < 0xC0 { return Int64(flag % 64) }
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(byte()) << UInt64(shift) }
            return Int64(bitPattern: value)
        }
    }
}
