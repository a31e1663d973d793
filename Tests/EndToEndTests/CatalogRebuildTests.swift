import Foundation
import XCTest

/// A lost catalog is rebuilt from the JSON sidecars without running the model again (issue 10,
/// item 11): `scrawl reindex --from-sidecars` records every scan its sidecar matches, and the next
/// start reads nothing — no model run, no scan bytes hashed, no sidecar rewritten — and search works.
final class CatalogRebuildTests: XCTestCase {
    func testALostCatalogIsRebuiltFromTheSidecarsAndNothingIsReadAgain() throws {
        let harness = try ServeHarness()
        try harness.start()
        let scans = [try harness.drop("qwen2vl/images/alpha.png", as: "a.png"),
                     try harness.drop("qwen2vl/images/grey.png", as: "sub/b.png")]
        var texts: [String] = []
        for scan in scans { texts.append(try XCTUnwrap(try harness.sidecar(scan, timeout: 120)["text"] as? String)) }
        try Robustness.waitForEmptyQueue(harness, timeout: 60)
        XCTAssertEqual(try harness.stop(), 0)
        // A third scan whose sidecar is for other bytes (rewritten since): it must be read again, not imported.
        let changed = try harness.drop("qwen2vl/images/tall.png", as: "c.png")
        try FileManager.default.copyItem(atPath: scans[0] + ".json", toPath: changed + ".json")
        let sidecars = try scans.map { try Fingerprint($0 + ".json") }

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: harness.stateDir + "/catalog.sqlite" + suffix) }
        let (status, output) = try harness.scrawl(["reindex", "--from-sidecars"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("recorded 2 scans from their sidecars") && output.contains("1 without a matching sidecar"), output)

        let logStart = harness.log().count
        try harness.start()
        XCTAssertNotNil(try harness.sidecar(changed, timeout: 120) { $0["text"] != nil && ($0["source"] as? [String: Any])?["path"] as? String == changed })
        try Robustness.waitForEmptyQueue(harness, timeout: 60)
        let log = String(harness.log().dropFirst(logStart))
        for scan in scans {
            XCTAssertFalse(logged(log, path: scan, event: "reading"), "\(scan) was read by the model again")
            XCTAssertTrue(logged(log, path: scan, event: "unchanged since it was last hashed: not read"), "\(scan) was hashed again")
        }
        XCTAssertEqual(try scans.map { try Fingerprint($0 + ".json") }, sidecars, "no sidecar rewritten")
        for (scan, text) in zip(scans, texts) {
            guard let word = searchableWord(in: text) else { continue }
            XCTAssertTrue(try harness.searchPaths(word).contains(scan), "\(scan) is found by \(word)")
        }
        XCTAssertEqual(try harness.stop(), 0)
    }
}
