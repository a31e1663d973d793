import Foundation
import XCTest

/// Runs the real `scrawl` binary (built by `swift build` next to the test bundle) on a temp inbox
/// and state directory, with the real engine on the tiny Qwen2-VL checkpoint.
final class ServeHarness {
    let root: String
    let inbox: String
    let stateDir: String
    let configPath: String
    let logPath: String
    private(set) var process: Process?
    private var logHandle: FileHandle?

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures").standardized
    /// Tests/Fixtures/qwen2vl, or SCRAWL_QWEN2VL_FIXTURES (as the Inference tests) for regenerated fixtures.
    static let qwenFixtures = ProcessInfo.processInfo.environment["SCRAWL_QWEN2VL_FIXTURES"].map { URL(fileURLWithPath: $0) }
        ?? fixtures.appendingPathComponent("qwen2vl")
    static let checkpoint = qwenFixtures.appendingPathComponent("tiny-f32").path
    static let ayaCheckpoint = fixtures.appendingPathComponent("aya/tiny-f32").path

    /// The `scrawl` executable in the products folder that holds the test bundle.
    static func binary() throws -> String {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .map { $0.appendingPathComponent("scrawl").path }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw HarnessError("no scrawl executable beside the tests (looked at \(candidates)): run `swift build` first")
        }
        return found
    }

    static func fixture(_ relative: String) -> String {
        guard relative.hasPrefix("qwen2vl/") else { return fixtures.appendingPathComponent(relative).path }
        return qwenFixtures.appendingPathComponent(String(relative.dropFirst("qwen2vl/".count))).path
    }

    init(extraConfig: String = "", daemonConfig: String = "stop_grace_s = 5", settleMs: Int = 100,
         qwen: String = ServeHarness.checkpoint, aya: String = ServeHarness.ayaCheckpoint) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        root = URL(fileURLWithPath: base).resolvingSymlinksInPath().path
        inbox = root + "/inbox"
        stateDir = root + "/state"
        configPath = root + "/scrawl.toml"
        logPath = root + "/serve.log"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let config = """
            state_dir = "\(stateDir)"
            [daemon]
            log_level = "debug"
            rescan_interval_s = 0
            \(daemonConfig)
            [models]
            qwen = "\(qwen)"
            aya = "\(aya)"
            [[inbox]]
            path = "\(inbox)"
            settle_ms = \(settleMs)
            max_tokens = 24
            \(extraConfig)
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: the daemon

    /// Starts `scrawl serve --config …` and waits for its "ready" line. `launcher` runs it through
    /// another program that execs it (e.g. `setpriv --reuid=…` to drop root), keeping the same pid.
    func start(environment: [String: String] = [:], launcher: [String] = []) throws {
        guard FileManager.default.fileExists(atPath: Self.checkpoint + "/config.json") else {
            throw HarnessError("the tiny checkpoint is missing at \(Self.checkpoint) (scripts/reference/make_qwen2vl_fixtures.py makes it)")
        }
        let process = Process()
        let command = launcher + [try Self.binary(), "serve", "--config", configPath]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "WATCHDOG_USEC")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if !FileManager.default.fileExists(atPath: logPath) { FileManager.default.createFile(atPath: logPath, contents: nil) }
        let readyBefore = readyLines()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        self.process = process
        logHandle = handle
        try waitFor("the daemon's ready line", timeout: 30) { self.readyLines() > readyBefore }
    }

    private func readyLines() -> Int { log().components(separatedBy: "] ready").count - 1 }

    /// SIGTERM and wait; returns the exit status.
    @discardableResult
    func stop(signal number: Int32 = SIGTERM, timeout: TimeInterval = 20) throws -> Int32 {
        guard let process else { throw HarnessError("not running") }
        kill(process.processIdentifier, number)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else { throw HarnessError("scrawl serve did not exit within \(timeout) s of signal \(number)") }
        self.process = nil
        try? logHandle?.close()
        return process.terminationStatus
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// Bytes the running daemon has read so far through read(2) and friends (`rchar` of /proc/PID/io;
    /// mmapped model weights do not count).
    func bytesRead() throws -> Int64 {
        guard let process, process.isRunning else { throw HarnessError("not running") }
        let io = try String(contentsOfFile: "/proc/\(process.processIdentifier)/io", encoding: .utf8)
        guard let line = io.split(separator: "\n").first(where: { $0.hasPrefix("rchar:") }),
              let value = Int64(line.dropFirst("rchar:".count).trimmingCharacters(in: .whitespaces)) else {
            throw HarnessError("no rchar in /proc/\(process.processIdentifier)/io")
        }
        return value
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    // MARK: the command line

    /// Runs the `scrawl` binary with `arguments` (no config added); returns its status, stdout and stderr.
    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// Runs `scrawl ARGS --config …`; returns (status, stdout).
    func scrawl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = arguments + ["--config", configPath]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Paths `scrawl search WORD --json` returns.
    func searchPaths(_ word: String) throws -> [String] {
        let (status, output) = try scrawl(["search", word, "--json", "--limit", "100"])
        guard status == 0 || status == 1 else { throw HarnessError("scrawl search exited \(status): \(output)") }
        guard status == 0 else { return [] }
        let hits = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
        return hits.compactMap { $0["path"] as? String }
    }

    // MARK: files

    /// Copies a fixture into the inbox the way scanners do: a temp name, then a rename into place.
    @discardableResult
    func drop(_ fixture: String, as relative: String) throws -> String {
        let destination = inbox + "/" + relative
        try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let temp = (destination as NSString).deletingLastPathComponent + "/.incoming-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: Self.fixture(fixture), toPath: temp)
        guard rename(temp, destination) == 0 else { throw HarnessError("rename into \(destination) failed") }
        return destination
    }

    /// The sidecar JSON once it exists and parses (and `accept` likes it).
    func sidecar(_ scan: String, timeout: TimeInterval = 60, accept: @escaping ([String: Any]) -> Bool = { _ in true })
        throws -> [String: Any] {
        var found: [String: Any]?
        try waitFor("\(scan).json", timeout: timeout) {
            guard let data = FileManager.default.contents(atPath: scan + ".json"),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], accept(object) else { return false }
            found = object
            return true
        }
        return found ?? [:]
    }

    func waitFor(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            if let process, !process.isRunning {
                throw HarnessError("scrawl serve exited (\(process.terminationStatus)) while waiting for \(what); log:\n\(log())")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("timed out after \(timeout) s waiting for \(what); log:\n\(log())")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// SHA-256 by coreutils (this target links nothing of the package, on purpose).
func sha256sum(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(64))
}

/// The longest word of a text (letters and digits), for a search the FTS index must answer.
func searchableWord(in text: String) -> String? {
    text.split { !($0.isLetter || $0.isNumber) }.map(String.init).filter { $0.count >= 2 }.max { $0.count < $1.count }
}
