import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request whose response arrives piece by piece to the thread that waits on it.
///
/// Built on FoundationNetworking's URLSession (libcurl underneath on Linux): it speaks HTTP/1.1 and
/// HTTPS with the system's CA store, chunked bodies and proxies, and its delegate API hands over the
/// body as it comes, which a streamed completion needs. A small socket client would have covered
/// http:// only; TLS is the reason for URLSession. One session per request: the session is
/// invalidated once its task ends, which also releases this delegate.
final class HTTPStream: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Event {
        case response(status: Int)
        case data([UInt8])
        case finished(Error?)
    }

    private let condition = NSCondition()
    private var pending: [Event] = []
    private var session: URLSession?
    private var task: URLSessionDataTask?

    /// `transportTimeout` is URLSession's own idle limit; the caller keeps its own, shorter one.
    init(request: URLRequest, transportTimeout: TimeInterval) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = transportTimeout
        configuration.timeoutIntervalForResource = 7 * 86_400
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        self.session = session
        task = session.dataTask(with: request)
        session.finishTasksAndInvalidate()
    }

    func start() { task?.resume() }

    func cancel() { task?.cancel() }

    /// Everything that arrived since the last call, waiting up to `timeout` seconds when nothing has.
    func next(timeout: TimeInterval) -> [Event] {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while pending.isEmpty && condition.wait(until: deadline) {}
        let events = pending
        pending.removeAll()
        return events
    }

    private func push(_ event: Event) {
        condition.lock()
        pending.append(event)
        condition.signal()
        condition.unlock()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        push(.response(status: (response as? HTTPURLResponse)?.statusCode ?? 0))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        push(.data([UInt8](data)))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        push(.finished(error))
    }

    /// Redirects are not followed: a POST must not silently become a GET somewhere else.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
