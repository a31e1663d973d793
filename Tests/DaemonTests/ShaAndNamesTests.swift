import Inference
import XCTest
@testable import Daemon

final class ShaAndNamesTests: XCTestCase {
    /// FIPS 180-4 / NIST vectors for the SHA-256 the daemon identifies scans by.
    func testSHA256Vectors() {
        XCTAssertEqual(SHA256.hex(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // 55, 56 and 64 bytes straddle the padding boundary.
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: 0x61, count: 55)), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: 0x61, count: 56)), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: 0x61, count: 64)), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    func testTempAndPartialNamesAreNotScans() {
        for name in ["note.jpg.part", "note.JPG.crdownload", "note.jpg.tmp", "note.jpg~", ".note.jpg", ".scrawl.toml",
                     "note.jpg.txt", "note.jpg.json", ".note.jpg.txt.scrawl-AbC123", "x.partial", ""] {
            XCTAssertFalse(ScanNameFilter.mayBeScan(name), name)
        }
        for name in ["note.jpg", "IMG_0001.JPEG", "scan", "page 2.png", "a.gif", "report.pdf"] {
            XCTAssertTrue(ScanNameFilter.mayBeScan(name), name)
        }
        XCTAssertFalse(ScanNameFilter.mayHoldScans(folder: ".Trash-1000"))
        XCTAssertTrue(ScanNameFilter.mayHoldScans(folder: "2026"))
        XCTAssertTrue(ScanNameFilter.claimsToBeImage("A.JPG"))
        for name in ["a.pdf", "b.TIF", "c.tiff", "IMG_1.HEIC", "d.heif", "e.avif", "f.webp"] {
            XCTAssertTrue(ScanNameFilter.claimsToBeImage(name), name)
        }
        XCTAssertFalse(ScanNameFilter.claimsToBeImage("a.docx"))
    }

    func testSettleWaitsForStableSizeAndMtime() {
        var tracker = SettleTracker()
        var disk: [String: SettleTracker.Snapshot] = ["/i/a.jpg": .init(size: 10, mtime: 1), "/i/b.jpg": .init(size: 5, mtime: 1)]
        tracker.observe("/i/a.jpg", disk["/i/a.jpg"]!, settleMs: 1000, now: 100)
        tracker.observe("/i/b.jpg", disk["/i/b.jpg"]!, settleMs: 1000, now: 100)
        XCTAssertEqual(tracker.settled(now: 100.5) { disk[$0] }, [])
        disk["/i/a.jpg"] = .init(size: 20, mtime: 2)   // still being written
        XCTAssertEqual(tracker.settled(now: 101.0) { disk[$0] }, ["/i/b.jpg"])
        XCTAssertEqual(tracker.settled(now: 101.9) { disk[$0] }, [], "a.jpg's clock restarted when it grew")
        // Seeing the same snapshot again (a second event) does not restart the clock.
        tracker.observe("/i/a.jpg", disk["/i/a.jpg"]!, settleMs: 1000, now: 101.5)
        XCTAssertEqual(tracker.settled(now: 102.0) { disk[$0] }, ["/i/a.jpg"])
        XCTAssertTrue(tracker.isEmpty)
        tracker.observe("/i/c.jpg", .init(size: 1, mtime: 1), settleMs: 0, now: 200)
        XCTAssertEqual(tracker.settled(now: 200) { _ in nil }, [], "a file gone before it settled is dropped")
        XCTAssertTrue(tracker.isEmpty)
        tracker.observe("/i/sub/d.jpg", .init(size: 1, mtime: 1), settleMs: 0, now: 300)
        tracker.forget(under: "/i/sub")
        XCTAssertTrue(tracker.isEmpty)
    }
}
