import FuzzSupport
import Inference

/// The safetensors header parser on arbitrary bytes (8-byte length, JSON header, data). Every entry
/// it accepts must lie inside the buffer and match its dtype and shape.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    guard let tensors = try? SafetensorsFile.parseHeader(bytes: bytes) else { return 0 }
    for (name, info) in tensors {
        guard name == info.name, info.offset >= 8, info.byteCount >= 0, info.offset <= bytes.count,
              info.byteCount <= bytes.count - info.offset, info.shape.allSatisfy({ $0 >= 0 }) else {
            fuzzFailure("accepted \(name): offset \(info.offset), \(info.byteCount) bytes, shape \(info.shape) in \(bytes.count) bytes")
        }
        // Touch the first and last byte, as a loader would (ASan reports a read outside the buffer).
        if info.byteCount > 0 { _ = bytes[info.offset] &+ bytes[info.offset + info.byteCount - 1] }
    }
    return 0
}
