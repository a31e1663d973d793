import Foundation
import Kernels

/// int8 (Q8_0) copies of a checkpoint's language-model weights, quantized once and kept in one cache
/// file under the state directory (never in the checkpoint folder), memory-mapped like the checkpoint.
///
/// File layout (little-endian): the 8 bytes `SCRAWLQ8`, u32 format version, u32 0, u64 header length,
/// the header as JSON — `{"source": identity, "block": 32, "tensors": [{name, rows, cols, values, scales}]}`
/// with absolute 64-byte-aligned offsets — then the data: per tensor, rows × ⌈cols/32⌉·32 int8 values and
/// rows × ⌈cols/32⌉ f16 scales. `identity` names the source checkpoint (config.json's SHA-256, each weight
/// file's name, size and mtime), so a changed checkpoint invalidates the file; it is then rebuilt. Files
/// are written to a temporary name, fsynced and renamed into place.
public final class Q8WeightCache: @unchecked Sendable {
    public static let magic = Array("SCRAWLQ8".utf8)
    public static let formatVersion: UInt32 = 1
    static let alignment = 64

    /// Where this checkpoint's cache file lives.
    public let fileURL: URL
    /// Why an existing file was not used (nil when it was, or when there was none).
    public private(set) var staleReason: String?
    /// Whether the tensors came from an existing file (false: quantized in this process).
    public var loadedFromFile: Bool { mapping != nil }
    /// Tensors quantized in this process and not yet written.
    public var hasUnsavedTensors: Bool { !built.isEmpty }

    private let identity: [String: Any]
    private var mapping: Mapping?
    private var entries: [String: Entry] = [:]
    private var built: [(name: String, rows: Int, cols: Int, buffer: QuantizedBuffer)] = []
    /// Every tensor asked for, in order (what `save` writes).
    private var asked: [String] = []

    struct Entry {
        let rows: Int
        let cols: Int
        let values: Int
        let scales: Int
    }

    /// Opens (or prepares to build) the cache for `checkpoint` in `directory` (made if missing).
    public init(checkpoint: CheckpointDirectory, directory: URL) throws {
        identity = try Self.identity(of: checkpoint)
        let name = checkpoint.url.standardizedFileURL.path
        let digest = SHA256.hex(of: Array(name.utf8)).prefix(16)
        let folder = checkpoint.url.lastPathComponent.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        fileURL = directory.appendingPathComponent("\(folder.isEmpty ? "checkpoint" : folder)-\(digest).q8cache")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.unreadableFile(path: directory.path, reason: "cannot make the int8 cache folder: \(error.localizedDescription)")
        }
        guard FileManager.default.fileExists(atPath: fileURL.path) else { return }
        do {
            let map = try Mapping(path: fileURL.path)
            entries = try Self.readHeader(map, identity: identity, path: fileURL.path)
            mapping = map
        } catch let reason as StaleCache {
            staleReason = reason.text
        }
    }

    /// The Q8_0 copy of `source` (the checkpoint tensor `name`): from the file, else quantized now.
    public func matrix(_ name: String, source: WeightMatrix) throws -> WeightMatrix {
        if !asked.contains(name) { asked.append(name) }
        if let map = mapping, let e = entries[name], e.rows == source.rows, e.cols == source.cols {
            return WeightMatrix(q8Rows: e.rows, cols: e.cols, values: map.base + e.values, scales: map.base + e.scales, owner: map)
        }
        if let done = built.first(where: { $0.name == name }) { return done.buffer.matrix }
        let buffer = QuantizedBuffer(rows: source.rows, cols: source.cols)
        Q8Quantizer.quantize(source, values: buffer.values, scales: buffer.scales)
        built.append((name, source.rows, source.cols, buffer))
        return buffer.matrix
    }

    /// Writes every tensor asked for (from the file and quantized now) to a new file, replacing the old.
    public func save() throws {
        var tensors: [(name: String, matrix: WeightMatrix)] = []
        for name in asked {
            if let b = built.first(where: { $0.name == name }) {
                tensors.append((name, b.buffer.matrix))
            } else if let map = mapping, let e = entries[name] {
                tensors.append((name, WeightMatrix(q8Rows: e.rows, cols: e.cols, values: map.base + e.values,
                                                   scales: map.base + e.scales, owner: map)))
            }
        }
        try Self.write(tensors, identity: identity, to: fileURL)
    }

    // MARK: identity and header

    static func identity(of ck: CheckpointDirectory) throws -> [String: Any] {
        var files: [[String: Any]] = []
        for name in ck.weightFileNames {
            let path = ck.url.appendingPathComponent(name).path
            var st = stat()
            guard stat(path, &st) == 0 else {
                throw CheckpointError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
            }
            let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
            files.append(["name": name, "size": Int64(st.st_size), "mtime_ns": mtime])
        }
        return ["config_sha256": ck.configHash, "weight_files": files, "quantizer": "q8_0 nearest-even v1"]
    }

    struct StaleCache: Error { let text: String }

    static func readHeader(_ map: Mapping, identity: [String: Any], path: String) throws -> [String: Entry] {
        let fixed = 24
        guard map.size >= fixed, Array(UnsafeRawBufferPointer(start: map.base, count: 8)) == magic else {
            throw StaleCache(text: "\(path) is not a scrawl int8 cache (bad magic)")
        }
        let version = map.base.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        guard version == formatVersion else { throw StaleCache(text: "\(path) has cache format \(version), this build writes \(formatVersion)") }
        let length = map.base.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        guard length <= UInt64(map.size - fixed) else { throw StaleCache(text: "\(path): header runs past the end of the file") }
        let json = Data(bytes: map.base + fixed, count: Int(length))
        guard let header = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let source = header["source"] as? [String: Any], let list = header["tensors"] as? [[String: Any]] else {
            throw StaleCache(text: "\(path): header is not the expected JSON")
        }
        guard NSDictionary(dictionary: source).isEqual(to: identity) else {
            throw StaleCache(text: "\(path) was made from a different checkpoint (config.json or weight files changed)")
        }
        guard header["block"] as? Int == 32 else {
            throw StaleCache(text: "\(path): block size differs")
        }
        var entries: [String: Entry] = [:]
        for item in list {
            guard let name = item["name"] as? String, let rows = item["rows"] as? Int, let cols = item["cols"] as? Int,
                  let values = item["values"] as? Int, let scales = item["scales"] as? Int, rows > 0, cols > 0, values >= 0, scales >= 0 else {
                throw StaleCache(text: "\(path): a tensor entry is incomplete")
            }
            let bytes = Q8Quantizer.byteCounts(rows: rows, cols: cols)
            let (vEnd, o1) = values.addingReportingOverflow(bytes.values)
            let (sEnd, o2) = scales.addingReportingOverflow(bytes.scales)
            guard !o1, !o2, vEnd <= map.size, sEnd <= map.size, values % alignment == 0, scales % 2 == 0 else {
                throw StaleCache(text: "\(path): tensor \(name) lies outside the file (truncated?)")
            }
            entries[name] = Entry(rows: rows, cols: cols, values: values, scales: scales)
        }
        return entries
    }

    static func write(_ tensors: [(name: String, matrix: WeightMatrix)], identity: [String: Any], to url: URL) throws {
        func aligned(_ x: Int) -> Int { (x + alignment - 1) / alignment * alignment }
        // Offsets depend on the header's length, which depends on the offsets: size the header with
        // placeholder offsets wide enough (fixed 16 digits), then fill them in.
        func header(_ offsets: [(Int, Int)]) throws -> Data {
            let list: [[String: Any]] = zip(tensors, offsets).map { t, o in
                ["name": t.name, "rows": t.matrix.rows, "cols": t.matrix.cols, "values": o.0, "scales": o.1]
            }
            return try JSONSerialization.data(withJSONObject: ["source": identity, "block": 32, "tensors": list], options: [.sortedKeys])
        }
        let placeholder = [(Int, Int)](repeating: (999_999_999_999_999, 999_999_999_999_999), count: tensors.count)
        let headerCapacity = try header(placeholder).count
        var offset = aligned(24 + headerCapacity)
        var offsets: [(Int, Int)] = []
        for t in tensors {
            let bytes = Q8Quantizer.byteCounts(rows: t.matrix.rows, cols: t.matrix.cols)
            let v = offset, s = aligned(v + bytes.values)
            offsets.append((v, s))
            offset = aligned(s + bytes.scales)
        }
        var json = try header(offsets)
        json.append(contentsOf: [UInt8](repeating: 0x20, count: headerCapacity - json.count))  // JSON allows trailing spaces
        var prefix = Data(magic)
        withUnsafeBytes(of: formatVersion.littleEndian) { prefix.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(0)) { prefix.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { prefix.append(contentsOf: $0) }

        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CheckpointError.unreadableFile(path: temp.path, reason: "cannot write the int8 cache: \(String(cString: strerror(errno)))") }
        var closed = false
        defer { if !closed { close(fd); unlink(temp.path) } }
        func put(_ p: UnsafeRawPointer, _ count: Int, at position: Int) throws {
            var done = 0
            while done < count {
                let n = pwrite(fd, p + done, count - done, off_t(position + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw CheckpointError.unreadableFile(path: temp.path, reason: "writing the int8 cache failed: \(String(cString: strerror(errno)))") }
                done += n
            }
        }
        guard ftruncate(fd, off_t(offset)) == 0 else {
            throw CheckpointError.unreadableFile(path: temp.path, reason: "cannot size the int8 cache (\(offset) bytes): \(String(cString: strerror(errno)))")
        }
        try prefix.withUnsafeBytes { try put($0.baseAddress!, $0.count, at: 0) }
        try json.withUnsafeBytes { try put($0.baseAddress!, $0.count, at: 24) }
        for (t, o) in zip(tensors, offsets) {
            let bytes = Q8Quantizer.byteCounts(rows: t.matrix.rows, cols: t.matrix.cols)
            try put(t.matrix.base, bytes.values, at: o.0)
            guard let scales = t.matrix.scales else { continue }
            try put(scales, bytes.scales, at: o.1)
        }
        guard fsync(fd) == 0 else { throw CheckpointError.unreadableFile(path: temp.path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        close(fd)
        closed = true
        guard rename(temp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp.path)
            throw CheckpointError.unreadableFile(path: url.path, reason: "cannot rename the int8 cache into place: \(reason)")
        }
        let dir = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}

/// A read-only mapping of a cache file (kept alive by every matrix that points into it).
final class Mapping: @unchecked Sendable {
    let base: UnsafeRawPointer
    let size: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Q8WeightCache.StaleCache(text: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { throw Q8WeightCache.StaleCache(text: "\(path) is empty") }
        size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw Q8WeightCache.StaleCache(text: "cannot map \(path): \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }
}

/// Q8_0 values and scales quantized in this process (64-byte aligned).
final class QuantizedBuffer: @unchecked Sendable {
    let values: UnsafeMutableRawPointer
    let scales: UnsafeMutableRawPointer
    let rows: Int
    let cols: Int

    init(rows: Int, cols: Int) {
        let bytes = Q8Quantizer.byteCounts(rows: rows, cols: cols)
        values = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.values, 1), alignment: 64)
        scales = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.scales, 1), alignment: 64)
        self.rows = rows
        self.cols = cols
    }

    var matrix: WeightMatrix { WeightMatrix(q8Rows: rows, cols: cols, values: values, scales: scales, owner: self) }

    deinit {
        values.deallocate()
        scales.deallocate()
    }
}
