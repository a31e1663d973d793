import Foundation

/// A fresh directory under the system temp folder, removed when the value is released.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-daemon-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        // Resolve /tmp symlinks so paths compare equal to what the daemon reports.
        if let real = realpath(url.path, nil) {
            defer { free(real) }
            resolved = String(cString: real)
        } else {
            resolved = url.path
        }
    }

    /// The directory's real path.
    let resolved: String

    deinit { try? FileManager.default.removeItem(at: url) }
}
