import Foundation
import XCTest

/// `weights = "int8"` on a `[models.NAME]` checkpoint (issue 9): `scrawl serve` reads the folder's
/// scans with Q8_0 language weights, quantized once into `<state_dir>/int8-cache` (never beside the
/// checkpoint), and a restart uses the cache.
final class Int8ConfigTests: XCTestCase {
    func testAnInt8ModelIsQuantizedIntoTheStateDirectoryOnceAndReadsScans() throws {
        let harness = try ServeHarness(extraConfig: """
            model = "small"
            [models.small]
            path = "\(ServeHarness.checkpoint)"
            weights = "int8"
            """)
        let before = try FileManager.default.contentsOfDirectory(atPath: ServeHarness.checkpoint)
        try harness.start()
        let scan = try harness.drop("qwen2vl/images/tiny.png", as: "note.png")
        let json = try harness.sidecar(scan)
        XCTAssertNil(json["error"], "\(json)")
        XCTAssertNotNil(json["text"] as? String)
        let cacheDir = harness.stateDir + "/int8-cache"
        let caches = try FileManager.default.contentsOfDirectory(atPath: cacheDir).filter { $0.hasSuffix(".q8cache") }
        XCTAssertEqual(caches.count, 1, "one cache file in \(cacheDir)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: ServeHarness.checkpoint), before,
                       "nothing written beside the checkpoint")
        XCTAssertEqual(try harness.stop(), 0)
        let mtime = try FileManager.default.attributesOfItem(atPath: cacheDir + "/" + caches[0])[.modificationDate] as? Date

        try harness.start()
        let second = try harness.drop("qwen2vl/images/tall.png", as: "second.png")
        XCTAssertNil(try harness.sidecar(second)["error"])
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: cacheDir + "/" + caches[0])[.modificationDate] as? Date,
                       mtime, "the restart used the cache instead of quantizing again")
        XCTAssertEqual(try harness.stop(), 0)
    }
}
