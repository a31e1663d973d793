import Foundation
import XCTest

/// Power loss, not only kill -9 (issue 10, item 13, part): a folder made for sidecars is fsynced
/// and so is its parent, after it is made and before the scan counts as read, so the names survive
/// a power cut as well as the sidecar bytes do. Checked with strace on the running daemon.
final class PowerLossTests: XCTestCase {
    func testFoldersMadeForSidecarsAreSyncedWithTheirParents() throws {
        let harness = try ServeHarness()
        let sidecars = harness.root + "/sidecars"
        // The [[inbox]] table is the config's last: a key appended is the inbox's.
        let config = try String(contentsOfFile: harness.configPath, encoding: .utf8) + "\nsidecar_dir = \"\(sidecars)\"\n"
        try Data(config.utf8).write(to: URL(fileURLWithPath: harness.configPath))
        try FileManager.default.createDirectory(atPath: sidecars, withIntermediateDirectories: true)
        try harness.start()
        guard let pid = harness.process?.processIdentifier,
              let trace = try SyscallTrace(pid: pid, logPath: harness.root + "/strace.log", harness: harness) else {
            throw XCTSkip("strace is not installed")
        }
        _ = try harness.drop("qwen2vl/images/tiny.png", as: "2026/march/note.png")
        _ = try harness.sidecar(sidecars + "/2026/march/note.png")
        _ = try trace.stop(linesNaming: [])
        let lines = trace.text().split(separator: "\n").map(String.init)
        XCTAssertEqual(try harness.stop(), 0)

        for created in [sidecars + "/2026", sidecars + "/2026/march"] {
            let parent = (created as NSString).deletingLastPathComponent
            let made = try XCTUnwrap(lines.firstIndex { $0.contains("mkdir") && $0.contains("\"\(created)\"") && $0.hasSuffix(" = 0") },
                                     "no mkdir of \(created)")
            for folder in [created, parent] {
                XCTAssertTrue(syncedAfter(made, folder, in: lines), "\(folder) is not fsynced after \(created) is made:\n"
                              + lines.filter { $0.contains("fsync") || $0.contains("mkdir") || $0.contains(sidecars) }.joined(separator: "\n"))
            }
        }
    }

    /// Whether, after line `start`, `folder` is opened as a directory and that descriptor is fsynced.
    private func syncedAfter(_ start: Int, _ folder: String, in lines: [String]) -> Bool {
        for (index, line) in lines.enumerated().dropFirst(start + 1)
        where line.contains("\"\(folder)\"") && line.contains("O_DIRECTORY") {
            guard let fd = line.split(separator: "=").last.map({ $0.trimmingCharacters(in: .whitespaces) }), Int(fd) != nil else { continue }
            if lines[(index + 1)...].prefix(20).contains(where: { $0.contains("fsync(\(fd))") && $0.hasSuffix(" = 0") }) { return true }
        }
        return false
    }
}
