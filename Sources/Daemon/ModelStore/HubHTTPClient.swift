import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// GET requests against the hub (or a mirror in `HF_ENDPOINT`), streaming bodies to a file.
final class HubHTTPClient: @unchecked Sendable {
    let endpoint: String
    let token: String?
    let timeout: TimeInterval

    init(endpoint: String, token: String?, timeout: TimeInterval = 60) {
        var trimmed = endpoint
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.endpoint = trimmed
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.timeout = timeout
    }

    struct Response {
        var status: Int
        var body: Data
        var bytesWritten: Int64
        /// Set when the transfer broke off (the status and any bytes written still count).
        var error: String?
    }

    /// A small body held in memory (listings).
    func get(_ url: String) throws -> Response {
        try perform(url, range: nil, sink: nil)
    }

    /// Streams a 200/206 body into `sink` (other statuses keep their body in memory for the message).
    /// `range` asks for the bytes from that offset on.
    func download(_ url: String, from offset: Int64, into sink: FileHandle, onBytes: @escaping @Sendable (Int64) -> Void) throws -> Response {
        try perform(url, range: offset > 0 ? offset : nil, sink: sink, onBytes: onBytes)
    }

    private func perform(_ urlText: String, range: Int64?, sink: FileHandle?,
                         onBytes: (@Sendable (Int64) -> Void)? = nil) throws -> Response {
        guard let url = URL(string: urlText) else { throw ModelStoreError.network(url: urlText, reason: "not a valid URL") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "GET"
        request.setValue("scrawl-models/1", forHTTPHeaderField: "User-Agent")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let range { request.setValue("bytes=\(range)-", forHTTPHeaderField: "Range") }
        let delegate = TransferDelegate(sink: sink, onBytes: onBytes, originalHost: url.host)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.timeoutIntervalForRequest = timeout
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request).resume()
        delegate.done.wait()
        if let failure = delegate.writeFailure { throw failure }
        if delegate.status == 0 {
            throw ModelStoreError.network(url: urlText, reason: delegate.errorText ?? "no response")
        }
        return Response(status: delegate.status, body: delegate.body, bytesWritten: delegate.written,
                        error: delegate.errorText)
    }
}

/// Collects one transfer's status and streams its body; signals `done` when it ends.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let sink: FileHandle?
    private let onBytes: (@Sendable (Int64) -> Void)?
    private let originalHost: String?
    var status = 0
    var body = Data()
    var written: Int64 = 0
    var errorText: String?
    var writeFailure: ModelStoreError?

    init(sink: FileHandle?, onBytes: (@Sendable (Int64) -> Void)?, originalHost: String?) {
        self.sink = sink
        self.onBytes = onBytes
        self.originalHost = originalHost
    }

    private var streaming: Bool { sink != nil && (status == 200 || status == 206) }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if status == 200, let sink {
            // A whole body (Range ignored or not asked): it replaces whatever partial data was there.
            do {
                try sink.truncate(atOffset: 0)
            } catch {
                writeFailure = .fileSystem(path: "download", reason: "cannot truncate: \(error.localizedDescription)")
                completionHandler(.cancel)
                return
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard streaming, let sink else {
            if body.count < 1 << 20 { body.append(data) }
            return
        }
        guard writeFailure == nil else { return }
        do {
            try sink.write(contentsOf: data)
            written += Int64(data.count)
            onBytes?(Int64(data.count))
        } catch {
            writeFailure = .fileSystem(path: "download", reason: "write failed: \(error.localizedDescription)")
            dataTask.cancel()
        }
    }

    /// Keeps Range on redirects (the hub sends weights to a CDN); Authorization only to the same host.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        var next = request
        if let range = task.originalRequest?.value(forHTTPHeaderField: "Range") {
            next.setValue(range, forHTTPHeaderField: "Range")
        }
        if next.url?.host == originalHost, let auth = task.originalRequest?.value(forHTTPHeaderField: "Authorization") {
            next.setValue(auth, forHTTPHeaderField: "Authorization")
        } else {
            next.setValue(nil, forHTTPHeaderField: "Authorization")
        }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error { errorText = error.localizedDescription }
        done.signal()
    }
}
