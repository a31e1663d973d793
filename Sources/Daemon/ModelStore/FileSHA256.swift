import Foundation
import Inference

extension SHA256 {
    /// Hex SHA-256 of a file, read in 4 MiB pieces (weight files are gigabytes).
    static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ModelStoreError.fileSystem(path: path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            } catch {
                throw ModelStoreError.fileSystem(path: path, reason: "read failed: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalizeHex()
    }
}
