import Foundation
import Inference

/// Downloads one hub file to `<dest>/<name>`: into `<name>.incomplete`, resuming with `Range` after a
/// broken connection (also across runs), checking size and SHA-256, then renaming into place.
struct FileDownloader {
    let client: HubHTTPClient
    let repo: ModelRepository
    let revision: String
    var maxAttempts = 6
    var retryDelay: TimeInterval = 1
    var showProgress = isatty(STDERR_FILENO) == 1

    func url(for file: HubFile) -> String {
        "\(client.endpoint)/\(repo.id)/resolve/\(ModelRepository.escapePath(revision))/\(ModelRepository.escapePath(file.name))"
    }

    /// Returns the number of bytes transferred in this run (0 when the file was already in place).
    @discardableResult
    func fetch(_ file: HubFile, into folder: String) throws -> Int64 {
        let target = folder + "/" + file.name
        let partial = target + ".incomplete"
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.fileSystem(path: target, reason: "cannot create its folder: \(error.localizedDescription)")
        }
        if !fm.fileExists(atPath: partial) && !fm.createFile(atPath: partial, contents: nil) {
            throw ModelStoreError.fileSystem(path: partial, reason: "cannot create (is the folder writable?)")
        }
        guard let handle = FileHandle(forWritingAtPath: partial) else {
            throw ModelStoreError.fileSystem(path: partial, reason: "cannot open for writing")
        }
        defer { try? handle.close() }

        var offset = Int64(try handle.seekToEnd())
        if let size = file.size, offset > size {
            try handle.truncate(atOffset: 0)
            offset = 0
        }
        let progress = DownloadProgress(name: file.name, total: file.size, already: offset, enabled: showProgress)
        var transferred: Int64 = 0
        var lastError = "no attempt made"
        var attempt = 0
        while file.size.map({ offset < $0 }) ?? true {
            attempt += 1
            if attempt > maxAttempts {
                throw ModelStoreError.network(url: url(for: file), reason: "gave up after \(maxAttempts) attempts: \(lastError); run pull again to resume from \(offset) bytes")
            }
            let response = try client.download(url(for: file), from: offset, into: handle) { progress.add($0) }
            transferred += response.bytesWritten
            if response.bytesWritten > 0 { attempt = 0 }  // progress: only consecutive fruitless attempts count
            switch response.status {
            case 206:
                offset += response.bytesWritten
            case 200:
                // The whole file (first request, or the server ignored Range): the client truncated the partial file.
                offset = response.bytesWritten
            case 416 where file.size == offset:
                break
            case 401, 403:
                throw ModelStoreError.gated(repo: repo.id, status: response.status, tokenSet: client.token != nil)
            case 404:
                throw ModelStoreError.notFound(url: url(for: file))
            case 429, 500..<600:
                // Rate limit or a server hiccup: wait and ask again (counts as an attempt).
                lastError = "HTTP \(response.status)"
                Thread.sleep(forTimeInterval: retryDelay * Double(attempt))
                continue
            default:
                if response.status == 416 { try handle.truncate(atOffset: 0); offset = 0 }
                throw ModelStoreError.httpStatus(url: url(for: file), status: response.status,
                                                 body: String(decoding: response.body, as: UTF8.self))
            }
            if let error = response.error {
                lastError = error
                if response.bytesWritten == 0 { Thread.sleep(forTimeInterval: retryDelay) }
                continue
            }
            if file.size == nil { break }  // no size known: one complete response is the file
            if response.bytesWritten == 0 && file.size.map({ offset < $0 }) == true {
                lastError = "the server sent no bytes"
                Thread.sleep(forTimeInterval: retryDelay)
            }
        }
        progress.finish()
        try handle.synchronize()
        try check(file, partial: partial, size: offset)
        // rename(2) replaces an older file atomically: a reader sees the old file or the new, never half of one.
        guard rename(partial, target) == 0 else {
            throw ModelStoreError.fileSystem(path: target, reason: "cannot move the download into place: \(String(cString: strerror(errno)))")
        }
        return transferred
    }

    private func check(_ file: HubFile, partial: String, size: Int64) throws {
        let actualSize = ((try? FileManager.default.attributesOfItem(atPath: partial)[.size]) as? NSNumber)?.int64Value ?? size
        if let expected = file.size, actualSize != expected {
            throw ModelStoreError.sizeMismatch(file: file.name, expected: expected, actual: actualSize)
        }
        if let expected = file.sha256?.lowercased() {
            let actual = try SHA256.hex(ofFile: partial)
            if actual != expected {
                try? FileManager.default.removeItem(atPath: partial)
                throw ModelStoreError.checksumMismatch(file: file.name, expected: expected, actual: actual)
            }
        }
    }
}
