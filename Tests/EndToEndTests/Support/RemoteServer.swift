import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import XCTest

/// A real OpenAI-compatible server on loopback for the remote-engine tests: `transformers serve`
/// from the reference environment (scripts/reference/serve_openai.py) serving the tiny Qwen2-VL
/// checkpoint, optionally behind the fault proxy (scripts/reference/fault_proxy.py).
///
/// The Python interpreter is `SCRAWL_REFERENCE_PYTHON` (a venv with torch, transformers 4.57.6 and
/// transformers[serving]: .ci/run makes one). Without it the tests skip, unless
/// `SCRAWL_REQUIRE_REMOTE_TESTS=1` (CI) turns the skip into a failure.
final class RemoteServer {
    let port: Int
    let logPath: String
    private(set) var process: Process?
    private let python: String

    static let scripts = ServeHarness.fixtures.appendingPathComponent("../../scripts/reference").standardized.path

    /// The interpreter, or a skip (a failure under SCRAWL_REQUIRE_REMOTE_TESTS=1).
    static func python() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let python = env["SCRAWL_REFERENCE_PYTHON"], FileManager.default.isExecutableFile(atPath: python) { return python }
        let message = "SCRAWL_REFERENCE_PYTHON is not set to a Python with transformers[serving] (see scripts/reference/README.md)"
        if env["SCRAWL_REQUIRE_REMOTE_TESTS"] == "1" { throw HarnessError(message) }
        throw XCTSkip(message)
    }

    init(logPath: String, port: Int? = nil) throws {
        python = try Self.python()
        self.port = try port ?? freeLoopbackPort()
        self.logPath = logPath
    }

    deinit { kill() }

    /// The API's base URL.
    var url: String { "http://127.0.0.1:\(port)/v1" }

    /// Starts the server and waits until `GET /v1/models` answers.
    func start(timeout: TimeInterval = 120) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.scripts + "/serve_openai.py", "--host", "127.0.0.1", "--port", "\(port)",
                             "--device", "cpu", "--dtype", "float32", "--log_level", "warning"]
        var env = ProcessInfo.processInfo.environment
        env["HF_HUB_OFFLINE"] = "1"   // /v1/models lists its fixed set without asking the hub
        env["OMP_NUM_THREADS"] = "1"
        process.environment = env
        try process.run(logTo: logPath)
        self.process = process
        try waitUntilAnswering(url + "/models", timeout: timeout, process: process)
    }

    /// The end of the server's log (for failure messages).
    func logTail() -> String {
        String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(3000))
    }

    /// SIGKILL (a crash of the server, mid-stream or not).
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }
}

extension ServeHarness {
    /// A harness whose inbox reads with `[models.gpu]`: the tiny checkpoint served at `url`.
    static func remote(url: String, maxInFlight: Int, timeoutS: Int = 600) throws -> ServeHarness {
        try ServeHarness(extraConfig: """
            model = "gpu"
            [models.gpu]
            url = "\(url)"
            model = "\(ServeHarness.checkpoint)"
            max_in_flight = \(maxInFlight)
            timeout_s = \(timeoutS)
            """)
    }
}

/// The fault proxy in front of a server; `faults` queues the fault of each next chat request.
final class FaultProxy {
    let port: Int
    let controlPath: String
    let requestLogPath: String
    /// Kept alive as long as the proxy.
    let upstream: RemoteServer
    private var process: Process?

    init(upstream: RemoteServer, directory: String, key: String? = nil) throws {
        self.upstream = upstream
        port = try freeLoopbackPort()
        controlPath = directory + "/proxy-control.txt"
        requestLogPath = directory + "/proxy-requests.jsonl"
        FileManager.default.createFile(atPath: controlPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try RemoteServer.python())
        process.arguments = [RemoteServer.scripts + "/fault_proxy.py", "--port", "\(port)", "--upstream", "http://127.0.0.1:\(upstream.port)",
                             "--control", controlPath, "--log", requestLogPath] + (key.map { ["--key", $0] } ?? [])
        try process.run(logTo: directory + "/proxy.log")
        self.process = process
        try waitUntilAnswering("http://127.0.0.1:\(port)/", timeout: 30, process: process, anyStatus: true)
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    var url: String { "http://127.0.0.1:\(port)/v1" }

    /// Queues faults for the next chat requests, one a line (pass, status:N, cut, stall:S, hold).
    func queue(_ faults: [String]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: controlPath))
        handle.seekToEndOfFile()
        handle.write(Data(faults.map { $0 + "\n" }.joined().utf8))
        try handle.close()
    }

    /// Every request the proxy saw, in order.
    func requests() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: requestLogPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Chat requests answered 200 with the whole stream passed through (reads that reached the
    /// daemon): unfaulted ones, and held ones that were released.
    func completedReads() -> Int {
        requests().filter {
            ($0["path"] as? String)?.hasSuffix("/chat/completions") == true && $0["status"] as? Int == 200
                && ($0["fault"] as? String == "pass" || $0["outcome"] as? String == "released")
        }.count
    }

    /// Chat requests that reached the proxy (answered, faulted or still held): a held one has its
    /// "held" line at once and its end line later, counted once.
    func chatRequests() -> Int {
        requests().filter {
            ($0["path"] as? String)?.hasSuffix("/chat/completions") == true && ($0["fault"] as? String != "hold" || $0["held"] != nil
                || $0["outcome"] == nil)
        }.count
    }

    /// Streams held now or before (fault `hold`), whatever became of them.
    func heldStreams() -> Int { requests().filter { $0["held"] as? Bool == true }.count }

    /// Waits until `count` streams have been held in all. However long the wait may be (the first
    /// request loads the model; a loaded machine is slow), it fails at once when something is really
    /// wrong: the daemon, the proxy or the server exited, or a request meant to be held ended first.
    func waitForHeld(_ count: Int, harness: ServeHarness, timeout: TimeInterval = 300) throws {
        try harness.waitFor("\(count) stream(s) held by the fault proxy", timeout: timeout) {
            guard process?.isRunning == true else { throw HarnessError("the fault proxy exited; requests: \(requests())") }
            guard upstream.process?.isRunning == true else {
                throw HarnessError("the server exited; its log:\n\(upstream.logTail())")
            }
            if let ended = requests().first(where: { $0["fault"] as? String == "hold" && $0["held"] == nil && $0["outcome"] == nil }) {
                throw HarnessError("a stream to hold ended before its first content event: \(ended)")
            }
            return heldStreams() >= count
        }
    }

    /// Lets every held stream (and any held later) go on to its end.
    func release() {
        FileManager.default.createFile(atPath: controlPath + ".release", contents: nil)
    }
}

/// A port nothing listens on now (bound to 0, read back, closed).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw HarnessError("bind: \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Polls `url` until it answers 200 (or anything, with `anyStatus`); fails early when the process exits.
func waitUntilAnswering(_ url: String, timeout: TimeInterval, process: Process, anyStatus: Bool = false) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        guard process.isRunning else { throw HarnessError("\(process.executableURL?.path ?? "") exited before answering \(url)") }
        if let status = httpStatus(url), status == 200 || anyStatus { return }
        Thread.sleep(forTimeInterval: 0.5)
    }
    throw HarnessError("\(url) did not answer within \(Int(timeout)) s")
}

extension Process {
    /// Runs with stdout and stderr appended to `path`.
    func run(logTo path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        standardOutput = handle
        standardError = handle
        try run()
    }
}

/// The status of `GET url` (nil when nothing answers within 2 s).
func httpStatus(_ url: String) -> Int? {
    guard let target = URL(string: url) else { return nil }
    let done = DispatchSemaphore(value: 0)
    let status = Locked<Int?>(nil)
    var request = URLRequest(url: target)
    request.timeoutInterval = 2
    let task = URLSession.shared.dataTask(with: request) { _, response, _ in
        status.set((response as? HTTPURLResponse)?.statusCode)
        done.signal()
    }
    task.resume()
    _ = done.wait(timeout: .now() + 3)
    return status.get()
}

/// A value shared between threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ newValue: Value) { lock.lock(); value = newValue; lock.unlock() }
}

extension XCTestCase {
    /// transformers serve on the tiny checkpoint, and the fault proxy in front of it (removed with the test).
    func startServerAndProxy(key: String? = nil) throws -> (RemoteServer, FaultProxy) {
        let server = try RemoteServer(logPath: NSTemporaryDirectory() + "scrawl-remote-serve-\(UUID().uuidString).log")
        try server.start(timeout: 300)
        let proxyDir = NSTemporaryDirectory() + "scrawl-proxy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: proxyDir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: proxyDir) }
        return (server, try FaultProxy(upstream: server, directory: proxyDir, key: key))
    }

    /// Every scan read exactly once, once the queue is empty: one job and one catalog document each,
    /// both done (no job failed), and beside the scan its two sidecars and nothing else.
    func assertEachReadOnce(_ scans: [String], harness: ServeHarness, file: StaticString = #filePath, line: UInt = #line) throws {
        try Robustness.waitForEmptyQueue(harness, timeout: 120)
        for scan in scans {
            let quoted = Robustness.sqlQuote(scan)
            let jobs = try Robustness.query(harness, "SELECT state FROM jobs WHERE path = \(quoted)").map { $0["state"] as? String }
            XCTAssertEqual(jobs, ["done"], "one job for \(scan)", file: file, line: line)
            let documents = try Robustness.query(harness, "SELECT state FROM documents WHERE path = \(quoted)").map { $0["state"] as? String }
            XCTAssertEqual(documents, ["done"], "one catalog document for \(scan)", file: file, line: line)
            let name = (scan as NSString).lastPathComponent
            let beside = try FileManager.default.contentsOfDirectory(atPath: (scan as NSString).deletingLastPathComponent)
                .filter { $0.hasPrefix(name) }.sorted()
            XCTAssertEqual(beside, [name, name + ".json", name + ".txt"], "one sidecar pair beside \(scan)", file: file, line: line)
            XCTAssertNil(sidecarJSON(scan)?["error"], "\(scan) read, not failed", file: file, line: line)
        }
        XCTAssertEqual(try Robustness.count(harness, "SELECT count(*) FROM jobs WHERE state = 'failed'"), 0, file: file, line: line)
    }
}
