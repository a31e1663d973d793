import Foundation
import Glibc
import XCTest

/// Shared by the crash, hostile-input, load and security tests: the long-run switch, file
/// fingerprints (bytes + mtime), catalog queries through the sqlite3 command line, and running the
/// daemon as an unprivileged user when the tests run as root.
enum Robustness {
    /// `SCRAWL_LONG_TESTS=1` turns on the full-size variants (50 kills, 10,000 scans, strace).
    static var longRun: Bool { ProcessInfo.processInfo.environment["SCRAWL_LONG_TESTS"] == "1" }

    static let hostileFixtures = ServeHarness.fixtures.appendingPathComponent("hostile")

    /// The uid/gid the daemon runs as when the tests run as root (root ignores mode bits).
    static let unprivilegedID: UInt32 = 65534

    /// `setpriv …` to run the daemon as nobody when we are root; [] when we are not root; nil when
    /// we are root but cannot drop privileges.
    static func unprivilegedLauncher() -> [String]? {
        guard getuid() == 0 else { return [] }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return nil }
        return ["/usr/bin/setpriv", "--reuid=\(unprivilegedID)", "--regid=\(unprivilegedID)", "--clear-groups", "--"]
    }

    /// chown -R to the unprivileged user (only when root).
    static func giveAway(_ path: String) throws {
        guard getuid() == 0 else { return }
        try run("/bin/chown", ["-R", "\(unprivilegedID):\(unprivilegedID)", path])
    }

    /// Copies the tiny checkpoint under `root` (the fixture's weights are 0600 root) and points the
    /// harness's config at the copy.
    static func useCheckpointCopy(in harness: ServeHarness) throws -> String {
        let copy = harness.root + "/model"
        try FileManager.default.copyItem(atPath: ServeHarness.checkpoint, toPath: copy)
        let config = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            .replacingOccurrences(of: "qwen = \"\(ServeHarness.checkpoint)\"", with: "qwen = \"\(copy)\"")
        try Data(config.utf8).write(to: URL(fileURLWithPath: harness.configPath))
        return copy
    }

    /// Runs a program, returns stdout; throws when it exits non-zero.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError("\(executable) \(arguments) exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Rows of a read-only query on the catalog (sqlite3 -json), as dictionaries.
    static func query(_ harness: ServeHarness, _ sql: String) throws -> [[String: Any]] {
        let output = try run("/usr/bin/sqlite3", ["-readonly", "-json", harness.stateDir + "/catalog.sqlite", sql])
        guard !output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
    }

    /// One integer from a query.
    static func count(_ harness: ServeHarness, _ sql: String) throws -> Int {
        let rows = try query(harness, sql)
        return (rows.first?.values.first as? Int) ?? 0
    }

    static func sqlQuote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The current catalog document of a path (state, error, text), or nil.
    static func currentDocument(_ harness: ServeHarness, path: String) throws -> [String: Any]? {
        try query(harness, """
            SELECT state, error, text, removed_at FROM documents WHERE path = \(sqlQuote(path)) AND superseded_at IS NULL
            """).first
    }

    /// `scrawl status --json`, parsed.
    static func status(_ harness: ServeHarness) throws -> [String: Any] {
        let (code, output) = try harness.scrawl(["status", "--json", "--failures", "1000"])
        guard code == 0, let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw HarnessError("scrawl status --json exited \(code): \(output)")
        }
        return object
    }

    /// Waits until no job is queued or running.
    static func waitForEmptyQueue(_ harness: ServeHarness, timeout: TimeInterval) throws {
        try harness.waitFor("an empty queue", timeout: timeout) {
            let jobs = try status(harness)["jobs"] as? [String: Int] ?? [:]
            return jobs["queued"] == 0 && jobs["running"] == 0
        }
    }

    /// A scan interrupted mid-read three times is failed on purpose (no crash loop): every failed scan
    /// must be one of those, and `scrawl retry --failed` reads them. Returns how many there were.
    @discardableResult
    static func retryScansStoppedTooOften(_ harness: ServeHarness, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let failed = "SELECT count(*) FROM documents WHERE state = 'failed' AND superseded_at IS NULL"
        let stoppedTooOften = try query(harness, "SELECT path, error FROM documents WHERE state = 'failed' AND superseded_at IS NULL")
        for row in stoppedTooOften {
            XCTAssertTrue((row["error"] as? String ?? "").contains("scrawl stopped while reading this scan"), "unexpected failure: \(row)",
                          file: file, line: line)
        }
        guard !stoppedTooOften.isEmpty else { return 0 }
        XCTAssertEqual(try harness.scrawl(["retry", "--failed"]).status, 0, file: file, line: line)
        try harness.waitFor("the retried scans", timeout: 300) { try count(harness, failed) == 0 }
        try waitForEmptyQueue(harness, timeout: 300)
        return stoppedTooOften.count
    }

    /// VmRSS of a process in KiB (0 when gone).
    static func residentKiB(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Writes `bytes` to a temp name beside `path` and renames it into place (as scanners do).
    static func place(_ bytes: [UInt8], at path: String) throws {
        let temp = (path as NSString).deletingLastPathComponent + "/.incoming-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else { throw HarnessError("rename into \(path) failed: \(String(cString: strerror(errno)))") }
    }
}

/// `strace -f -p PID` on the running daemon, file and descriptor syscalls only, into a log.
final class SyscallTrace {
    let logPath: String
    private let process: Process

    /// nil (with a printed note) when strace is not installed. `descriptorPaths`: strace -y, each
    /// descriptor printed with its path (`fsync(6</a/b>)`), for calls made relative to a folder's descriptor.
    init?(pid: Int32, logPath: String, harness: ServeHarness, descriptorPaths: Bool = false) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else {
            print("strace is not installed: the syscall check is skipped")
            return nil
        }
        self.logPath = logPath
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-qq"] + (descriptorPaths ? ["-y"] : []) + ["-e", "trace=%file,%desc", "-o", logPath, "-p", "\(pid)"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        try harness.waitFor("strace to attach", timeout: 30) { (try? String(contentsOfFile: logPath, encoding: .utf8))?.isEmpty == false }
    }

    /// Detaches and returns the syscall lines that name any of `paths` (readlink results aside).
    func stop(linesNaming paths: [String]) throws -> [String] {
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let trace = try String(contentsOfFile: logPath, encoding: .utf8)
        return trace.split(separator: "\n").map(String.init)
            .filter { line in !line.contains("readlink") && paths.contains { line.contains($0) } }
    }

    /// The whole log (after `stop`).
    func text() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// What must not change about a scan: its bytes and its mtime (nanoseconds).
struct Fingerprint: Equatable, CustomStringConvertible {
    var sha256: String
    var mtimeSeconds: Int
    var mtimeNanoseconds: Int

    init(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw HarnessError("lstat \(path): \(String(cString: strerror(errno)))") }
        mtimeSeconds = info.st_mtim.tv_sec
        mtimeNanoseconds = info.st_mtim.tv_nsec
        sha256 = (info.st_mode & S_IFMT) == S_IFREG ? try sha256sum(path) : "not a regular file"
    }

    var description: String { "\(sha256.prefix(12)) @\(mtimeSeconds).\(mtimeNanoseconds)" }
}

/// Whether the daemon's log has a line for `path` ending in `] event` (metadata is sorted by key).
func logged(_ log: String, path: String, event: String) -> Bool {
    log.split(separator: "\n").contains { $0.contains("path=\(path) ") && $0.hasSuffix("] \(event)") }
}

/// The sidecar JSON of a scan, if it exists and parses.
func sidecarJSON(_ scan: String) -> [String: Any]? {
    guard let data = FileManager.default.contents(atPath: scan + ".json") else { return nil }
    return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
}

/// Files below `folder` whose names look like our sidecar temp files (`.NAME.scrawl-XXXXXX`).
func leftoverSidecarTemps(under folder: String) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
    return walker.compactMap { $0 as? String }.filter { ($0 as NSString).lastPathComponent.contains(".scrawl-") }
}

/// A PNG made unique by a tEXt chunk after IHDR (same pixels, different bytes → a separate read).
func uniquePNG(_ png: [UInt8], tag: String) -> [UInt8] {
    let kind = Array("tEXt".utf8)
    let payload = Array("scrawl-test".utf8) + [0] + Array(tag.utf8)
    var chunk = withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init) + kind + payload
    chunk += withUnsafeBytes(of: crc32(kind + payload).bigEndian, Array.init)
    return Array(png[..<33]) + chunk + Array(png[33...])
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return ~crc
}
