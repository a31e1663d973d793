import Foundation
import Glibc

/// A LazyFS mount (scripts/lazyfs/build.sh builds it; `SCRAWL_LAZYFS` names the binary): a FUSE file
/// system over a backing folder that keeps written data in its own cache until fsync, and drops what
/// is not synced on `powerCut()` — what a power cut does to a disk's write cache.
final class LazyFSMount {
    let mountPoint: String
    private let fifo: String
    private let logPath: String
    private var process = Process()
    private let arguments: [String]
    private let binary: String

    /// The binary from `SCRAWL_LAZYFS`, when it is there and FUSE can be used (root, /dev/fuse).
    static var binary: String? {
        guard let path = ProcessInfo.processInfo.environment["SCRAWL_LAZYFS"], FileManager.default.isExecutableFile(atPath: path),
              getuid() == 0, access("/dev/fuse", R_OK | W_OK) == 0 else { return nil }
        return path
    }

    init(binary: String, mountPoint: String, backing: String, work: String) throws {
        self.mountPoint = mountPoint
        fifo = work + "/faults.fifo"
        logPath = work + "/lazyfs.log"
        for folder in [mountPoint, backing, work] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let config = work + "/lazyfs.toml"
        try Data("""
            [faults]
            fifo_path="\(fifo)"
            [cache]
            apply_eviction=false
            [cache.simple]
            custom_size="64mb"
            blocks_per_page=1
            [filesystem]
            log_all_operations=false
            logfile=""
            """.utf8).write(to: URL(fileURLWithPath: config))
        FileManager.default.createFile(atPath: logPath, contents: nil)
        self.binary = binary
        arguments = [mountPoint, "--config-path", config, "-o", "allow_other", "-o", "modules=subdir", "-o", "subdir=\(backing)", "-f"]
        try mount()
    }

    private func mount() throws {
        let runsBefore = log().components(separatedBy: "running LazyFS").count
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !isMounted || self.log().components(separatedBy: "running LazyFS").count == runsBefore {
            guard Date() < deadline, process.isRunning else {
                throw HarnessError("lazyfs did not mount \(mountPoint) within 30 s:\n\(self.log())")
            }
            usleep(20_000)
        }
    }

    deinit { unmount() }

    var isMounted: Bool {
        ((try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? "").split(separator: "\n")
            .contains { $0.split(separator: " ").dropFirst().first.map(String.init) == mountPoint }
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The power cut: every byte written and not fsynced is dropped, then the file system is unmounted
    /// and mounted again, so that the kernel's own page cache of the mount cannot serve what was lost.
    func powerCut() throws {
        try clearCache()
        unmount()
        try mount()
    }

    /// Drops every byte written and not fsynced, and waits until LazyFS says it did.
    private func clearCache() throws {
        let before = log().components(separatedBy: "cache is cleared").count
        let fd = open(fifo, O_WRONLY)
        guard fd >= 0 else { throw HarnessError("cannot open \(fifo): \(String(cString: strerror(errno)))") }
        let command = "lazyfs::clear-cache\n"
        _ = command.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let deadline = Date().addingTimeInterval(30)
        while log().components(separatedBy: "cache is cleared").count == before {
            guard Date() < deadline else { throw HarnessError("lazyfs did not clear its cache:\n\(log())") }
            usleep(10_000)
        }
    }

    func unmount() {
        guard process.isRunning else { return }
        _ = try? Robustness.run("/bin/fusermount3", ["-u", mountPoint])
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Writes `bytes` at `path` the way a scanner that finished its file does: temp name, fsync, rename,
    /// folder fsync — so the power cuts of a test take only what the daemon left unsynced.
    static func placeDurably(_ bytes: [UInt8], at path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let temp = folder + "/.incoming-\(UUID().uuidString)"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw HarnessError("create \(temp): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else { close(fd); throw HarnessError("write \(temp) failed") }
        close(fd)
        guard rename(temp, path) == 0 else { throw HarnessError("rename into \(path): \(String(cString: strerror(errno)))") }
        let dir = open(folder, O_RDONLY | O_DIRECTORY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }
}
