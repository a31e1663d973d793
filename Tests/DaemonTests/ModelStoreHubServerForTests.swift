import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on loopback (raw sockets) serving a model repository in the hub's URL layout:
/// `GET /api/models/{repo}/revision/{rev}` and `GET /{repo}/resolve/{rev}/{file}` with Range support.
/// Faults can be injected per file: drop the connection half-way, or answer 401.
final class ModelStoreHubServerForTests: @unchecked Sendable {
    struct Request: Equatable {
        var path: String
        var range: String?
        var authorization: String?
    }

    let repo: String
    private(set) var port: UInt16 = 0
    private let lock = NSLock()
    private var files: [String: Data] = [:]
    private var advertisedSHA: [String: String] = [:]
    private var dropOnce: Set<String> = []
    private var unavailableOnce: Set<String> = []
    private var requireToken: String?
    private var redirectResolve = false
    private var requestLog: [Request] = []
    private var listener: Int32 = -1
    private var thread: Thread?

    init(repo: String, files: [String: Data]) throws {
        self.repo = repo
        self.files = files
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [weak self] in self?.acceptLoop() }
        self.thread = thread
        thread.start()
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] { lock.withLock { requestLog } }

    func dropConnectionHalfwayOnce(_ file: String) { lock.withLock { _ = dropOnce.insert(file) } }
    func answer503Once(_ file: String) { lock.withLock { _ = unavailableOnce.insert(file) } }
    func advertise(sha256: String, for file: String) { lock.withLock { advertisedSHA[file] = sha256 } }
    func require(token: String) { lock.withLock { requireToken = token } }
    /// Answers resolve URLs with a 302 to `/blobs/{file}`, as the hub does for LFS files.
    func redirectDownloads() { lock.withLock { redirectResolve = true } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let worker = Thread { [weak self] in
                self?.serve(client)
                close(client)
            }
            worker.start()
        }
    }

    private func serve(_ client: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsHeaderEnd {
            let n = recv(client, &chunk, chunk.count, 0)
            if n <= 0 { return }
            buffer.append(contentsOf: chunk[0..<n])
        }
        let head = String(decoding: buffer, as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET" else { return respond(client, 405, body: Data()) }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let target = String(parts[1])
        let request = Request(path: target, range: headers["range"], authorization: headers["authorization"])
        let state = lock.withLock { () -> (token: String?, redirect: Bool) in
            requestLog.append(request)
            return (requireToken, redirectResolve)
        }
        if let token = state.token, request.authorization != "Bearer \(token)" {
            return respond(client, 401, body: Data("{\"error\":\"Access to model \(repo) is restricted.\"}".utf8))
        }
        let path = target.split(separator: "?").first.map(String.init) ?? target
        if path.hasPrefix("/api/models/\(repo)/revision/") {
            return respond(client, 200, body: listing())
        }
        let resolvePrefix = "/\(repo)/resolve/"
        if path.hasPrefix(resolvePrefix) {
            let rest = path.dropFirst(resolvePrefix.count)
            guard let slash = rest.firstIndex(of: "/") else { return respond(client, 404, body: Data()) }
            let name = String(rest[rest.index(after: slash)...]).removingPercentEncoding ?? ""
            if state.redirect {
                return respond(client, 302, body: Data(), extra: ["Location: \(endpoint)/blobs/\(name)"])
            }
            return sendFile(client, name: name, range: request.range)
        }
        if path.hasPrefix("/blobs/") {
            return sendFile(client, name: String(path.dropFirst("/blobs/".count)), range: request.range)
        }
        respond(client, 404, body: Data("not found".utf8))
    }

    private func sendFile(_ client: Int32, name: String, range: String?) {
        guard let data = lock.withLock({ files[name] }) else { return respond(client, 404, body: Data()) }
        if lock.withLock({ unavailableOnce.remove(name) != nil }) {
            return respond(client, 503, body: Data("try again".utf8))
        }
        var start = 0
        if let range, range.hasPrefix("bytes="), let from = Int(range.dropFirst(6).split(separator: "-").first ?? "") {
            guard from < data.count else {
                return respond(client, 416, body: Data(), extra: ["Content-Range: bytes */\(data.count)"])
            }
            start = from
        }
        let body = data.subdata(in: start..<data.count)
        let status = range == nil ? 200 : 206
        var extra = ["Accept-Ranges: bytes"]
        if status == 206 { extra.append("Content-Range: bytes \(start)-\(data.count - 1)/\(data.count)") }
        let drop = lock.withLock { dropOnce.remove(name) != nil }
        if drop {
            // Promise the whole body, send half, hang up.
            sendAll(client, header(status, length: body.count, extra: extra))
            sendAll(client, body.prefix(body.count / 2))
            Thread.sleep(forTimeInterval: 0.05)
            shutdown(client, Int32(SHUT_RDWR))
            return
        }
        respond(client, status, body: body, extra: extra)
    }

    private func listing() -> Data {
        let siblings = lock.withLock { files.keys.sorted().map { name -> [String: Any] in
            var entry: [String: Any] = ["rfilename": name, "size": files[name]?.count ?? 0]
            if name.hasSuffix(".safetensors") {
                entry["lfs"] = ["sha256": advertisedSHA[name] ?? Self.sha256Hex(files[name] ?? Data()), "size": files[name]?.count ?? 0]
            }
            return entry
        } }
        let object: [String: Any] = ["id": repo, "sha": String(repeating: "c", count: 40), "siblings": siblings]
        return (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }

    private func header(_ status: Int, length: Int, extra: [String]) -> Data {
        let reason = [200: "OK", 206: "Partial Content", 302: "Found", 401: "Unauthorized", 404: "Not Found",
                      405: "Method Not Allowed", 503: "Service Unavailable", 416: "Range Not Satisfiable"][status] ?? "Status"
        let lines = ["HTTP/1.1 \(status) \(reason)", "Content-Length: \(length)", "Connection: close"] + extra
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    private func respond(_ client: Int32, _ status: Int, body: Data, extra: [String] = []) {
        sendAll(client, header(status, length: body.count, extra: extra))
        sendAll(client, body)
    }

    private func sendAll(_ client: Int32, _ data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Reference SHA-256 via the system's sha256sum, independent of the code under test.
    static func sha256Hex(_ data: Data) -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try? data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try? process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(output.prefix(64))
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 {
            return true
        }
        return false
    }
}
