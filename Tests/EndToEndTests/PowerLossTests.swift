import Foundation
import XCTest

/// Power loss, not only kill -9 (issue 10, item 13, part): a folder made for sidecars is fsynced
/// and so is its parent, after it is made and before the scan counts as read, so the names survive
/// a power cut as well as the sidecar bytes do. Checked with strace on the running daemon (-y: the
/// folders are made with mkdirat and synced through descriptors, so the trace shows their paths).
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
              let trace = try SyscallTrace(pid: pid, logPath: harness.root + "/strace.log", harness: harness, descriptorPaths: true) else {
            throw XCTSkip("strace is not installed")
        }
        _ = try harness.drop("qwen2vl/images/tiny.png", as: "2026/march/note.png")
        _ = try harness.sidecar(sidecars + "/2026/march/note.png")
        _ = try trace.stop(linesNaming: [])
        let lines = trace.text().split(separator: "\n").map(String.init)
        XCTAssertEqual(try harness.stop(), 0)

        for created in [sidecars + "/2026", sidecars + "/2026/march"] {
            let parent = (created as NSString).deletingLastPathComponent
            let name = (created as NSString).lastPathComponent
            let made = try XCTUnwrap(lines.firstIndex { $0.contains("mkdirat(") && $0.contains("<\(parent)>, \"\(name)\"") && $0.hasSuffix(" = 0") },
                                     "no mkdirat of \(name) in \(parent):\n" + lines.filter { $0.contains("mkdir") }.joined(separator: "\n"))
            for folder in [created, parent] {
                XCTAssertTrue(syncedAfter(made, folder, in: lines), "\(folder) is not fsynced after \(created) is made:\n"
                              + lines.filter { $0.contains("fsync") || $0.contains("mkdir") || $0.contains(sidecars) }.joined(separator: "\n"))
            }
        }
    }

    /// Whether, after line `start` and before the sidecar is renamed into place, a descriptor of `folder` is fsynced.
    private func syncedAfter(_ start: Int, _ folder: String, in lines: [String]) -> Bool {
        for line in lines.dropFirst(start + 1) {
            if line.contains("fsync(") && line.contains("<\(folder)>)") && line.hasSuffix(" = 0") { return true }
            if line.contains("renameat") && line.contains("note.png.json") { return false }
        }
        return false
    }
}
