import Foundation

/// `scrawl bench --dump-logits` files: the 8 bytes `SCRLOGIT`, u32 version (1), u32 vocabulary size, then
/// one f32 logit vector per step, then one i32 token per step (the token that followed that step; −1 for
/// none), then u32 step count. Little-endian. `scripts/compare_logits.py` reads two of them.
enum LogitDump {
    static let magic = Array("SCRLOGIT".utf8)

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Streams logits to the file as they come (tokens go at the end).
    final class Writer {
        private let handle: FileHandle
        private let path: String
        private var vocab = -1
        private(set) var steps = 0

        init(path: String) throws {
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw Failure(description: "\(path): cannot create the logit dump")
            }
            handle = h
            self.path = path
        }

        func append(_ logits: [Float]) throws {
            if vocab < 0 {
                vocab = logits.count
                var head = Data(LogitDump.magic)
                withUnsafeBytes(of: UInt32(1).littleEndian) { head.append(contentsOf: $0) }
                withUnsafeBytes(of: UInt32(vocab).littleEndian) { head.append(contentsOf: $0) }
                try handle.write(contentsOf: head)
            }
            guard logits.count == vocab else { throw Failure(description: "\(path): logit vectors of different sizes") }
            try logits.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
            steps += 1
        }

        func finish(tokens: [Int]) throws {
            var tail = Data()
            for i in 0..<steps {
                let t = Int32(truncatingIfNeeded: i < tokens.count ? tokens[i] : -1)
                withUnsafeBytes(of: t.littleEndian) { tail.append(contentsOf: $0) }
            }
            withUnsafeBytes(of: UInt32(steps).littleEndian) { tail.append(contentsOf: $0) }
            try handle.write(contentsOf: tail)
            try handle.close()
        }
    }

    /// The tokens of a dump.
    static func tokens(path: String) throws -> [Int] {
        guard let h = FileHandle(forReadingAtPath: path) else { throw Failure(description: "\(path): cannot open the logit dump") }
        defer { try? h.close() }
        let head = try h.read(upToCount: 16) ?? Data()
        guard head.count == 16, Array(head.prefix(8)) == magic else { throw Failure(description: "\(path) is not a logit dump (bad magic)") }
        let vocab = Int(head.subdata(in: 12..<16).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
        let end = try h.seekToEnd()
        guard end >= 20 else { throw Failure(description: "\(path) is truncated") }
        try h.seek(toOffset: end - 4)
        let stepsData = try h.read(upToCount: 4) ?? Data()
        let steps = Int(stepsData.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
        guard UInt64(16 + steps * vocab * 4 + steps * 4 + 4) == end else {
            throw Failure(description: "\(path): size does not match \(steps) steps of \(vocab) logits")
        }
        try h.seek(toOffset: UInt64(16 + steps * vocab * 4))
        let data = try h.read(upToCount: steps * 4) ?? Data()
        return (0..<steps).map { i in Int(data.subdata(in: (i * 4)..<(i * 4 + 4)).withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }) }
    }
}
