import Foundation
import Kernels

/// One tensor's entry in a safetensors header.
public struct TensorInfo: Sendable {
    public let name: String
    public let dtype: String
    public let shape: [Int]
    /// Absolute byte offset of the data in the file.
    public let offset: Int
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file: 8-byte little-endian header length N, N bytes of JSON
/// (`{name: {dtype, shape, data_offsets}}`), then the data. Every entry is validated against the
/// file size and its dtype's element size when the file is opened.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let tensors: [String: TensorInfo]
    private let base: UnsafeRawPointer
    private let size: Int

    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
        "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw CheckpointError.missingFile(path: path) }
            throw CheckpointError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw CheckpointError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        let size = Int(st.st_size)
        guard size >= 8 else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "file is \(size) bytes, shorter than the 8-byte header length")
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw CheckpointError.unreadableFile(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        do {
            tensors = try Self.parseHeader(UnsafeRawPointer(mapped), size: size, path: path)
        } catch {
            munmap(mapped, size)
            throw error
        }
        base = UnsafeRawPointer(mapped)
        self.size = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// Pointer to a tensor's first byte.
    public func data(_ info: TensorInfo) -> UnsafeRawPointer { base + info.offset }

    /// Asks the kernel to read the file ahead (sequential access hint).
    public func adviseWillNeed() {
        madvise(UnsafeMutableRawPointer(mutating: base), size, MADV_WILLNEED)
    }

    /// Parses and validates the header of a safetensors file held in memory (the fuzz entry point;
    /// `init(path:)` does the same on the mapped file). `path` is only used in error messages.
    public static func parseHeader(bytes: [UInt8], path: String = "(memory)") throws -> [String: TensorInfo] {
        guard bytes.count >= 8 else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "file is \(bytes.count) bytes, shorter than the 8-byte header length")
        }
        return try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else {
                throw CheckpointError.malformedSafetensors(path: path, reason: "empty buffer")
            }
            return try parseHeader(base, size: raw.count, path: path)
        }
    }

    private static func parseHeader(_ base: UnsafeRawPointer, size: Int, path: String) throws -> [String: TensorInfo] {
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(size - 8) else {
            throw CheckpointError.malformedSafetensors(
                path: path, reason: "header length \(headerLength) exceeds the file size \(size) (truncated?)")
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = Data(bytes: base + 8, count: Int(headerLength))
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw CheckpointError.malformedSafetensors(path: path, reason: "header JSON does not parse (\(error.localizedDescription))")
        }
        guard let object = json as? [String: Any] else {
            throw CheckpointError.malformedSafetensors(path: path, reason: "header is not a JSON object")
        }
        var result: [String: TensorInfo] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shapeAny = entry["shape"] as? [Any], let offsetsAny = entry["data_offsets"] as? [Any],
                  offsetsAny.count == 2 else {
                throw CheckpointError.malformedSafetensors(path: path, reason: "entry \(name) lacks dtype/shape/data_offsets")
            }
            let shape = try shapeAny.map { item -> Int in
                guard let n = (item as? NSNumber)?.intValue, n >= 0 else {
                    throw CheckpointError.malformedSafetensors(path: path, reason: "entry \(name) has an invalid shape")
                }
                return n
            }
            guard let begin = (offsetsAny[0] as? NSNumber)?.intValue, let end = (offsetsAny[1] as? NSNumber)?.intValue,
                  begin >= 0, end >= begin else {
                throw CheckpointError.malformedSafetensors(path: path, reason: "entry \(name) has invalid data_offsets")
            }
            guard let elementSize = elementSizes[dtype] else {
                throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: dtype)
            }
            // Checked arithmetic: a header's numbers are untrusted (release builds wrap silently).
            guard let expected = shape.reduce(Optional(elementSize), { bytes, dim in
                bytes.flatMap { let (p, overflow) = $0.multipliedReportingOverflow(by: dim); return overflow ? nil : p }
            }) else {
                throw CheckpointError.tensorOutOfBounds(
                    path: path, tensor: name, reason: "shape \(shape) of \(dtype) needs more bytes than an Int can count")
            }
            guard end - begin == expected else {
                throw CheckpointError.tensorOutOfBounds(
                    path: path, tensor: name,
                    reason: "spans \(end - begin) bytes but shape \(shape) of \(dtype) needs \(expected)")
            }
            guard end <= size - dataStart else {
                throw CheckpointError.tensorOutOfBounds(
                    path: path, tensor: name,
                    reason: "ends \(end) bytes into the data but the file has only \(size - dataStart) bytes of data (truncated?)")
            }
            result[name] = TensorInfo(name: name, dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: expected)
        }
        return result
    }
}
