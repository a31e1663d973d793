import CSQLite
import Foundation
import XCTest
@testable import Catalog

final class StorageTests: XCTestCase {
    func testCatalogFileIsCreatedMode0600InWALMode() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "s1", text: "private words")
        for path in [f.path, f.path + "-wal"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
            XCTAssertEqual(mode, 0o600, "\(path) mode is \(String(mode ?? 0, radix: 8))")
        }
        let journal = try f.catalog.read { db in try db.query("PRAGMA journal_mode") { $0.text(0) }.first }
        XCTAssertEqual(journal, "wal")
        let version = try f.catalog.read { db in try db.scalarInt("PRAGMA user_version") }
        XCTAssertEqual(version, Int64(Catalog.schemaVersion))
    }

    func testReaderSeesCommittedStateWhileAWriterHoldsATransaction() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "s1", text: "committed words")

        // A second process-like connection (the daemon) holds the write lock with uncommitted changes.
        var writer: OpaquePointer?
        XCTAssertEqual(sqlite3_open_v2(f.path, &writer, SQLITE_OPEN_READWRITE, nil), SQLITE_OK)
        defer { sqlite3_close_v2(writer) }
        XCTAssertEqual(sqlite3_exec(writer, "BEGIN IMMEDIATE", nil, nil, nil), SQLITE_OK)
        XCTAssertEqual(sqlite3_exec(writer, "INSERT INTO pages_fts(rowid, text) VALUES (999, 'uncommitted words')",
                                    nil, nil, nil), SQLITE_OK)

        let reader = try Catalog(path: f.path, readOnly: true)
        let start = Date()
        XCTAssertEqual(try reader.search(SearchQuery(text: "words")).map(\.path), ["/inbox/a.jpg"])
        XCTAssertEqual(try reader.status(recentFailures: 1).searchable, 1)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "the reader must not wait for the writer")
        XCTAssertThrowsError(try reader.enqueue(CatalogFixture.scan("/inbox/b.jpg", sha: "s2"))) { error in
            XCTAssertEqual(error as? CatalogError, .readOnly(path: f.path))
        }
        XCTAssertEqual(sqlite3_exec(writer, "ROLLBACK", nil, nil, nil), SQLITE_OK)
    }

    func testWriterWaitsForAnotherWriterInsteadOfFailing() throws {
        let f = try CatalogFixture()
        var other: OpaquePointer?
        XCTAssertEqual(sqlite3_open_v2(f.path, &other, SQLITE_OPEN_READWRITE, nil), SQLITE_OK)
        defer { sqlite3_close_v2(other) }
        XCTAssertEqual(sqlite3_exec(other, "BEGIN IMMEDIATE", nil, nil, nil), SQLITE_OK)
        let released = expectation(description: "other writer commits")
        let handle = ConnectionBox(other)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            sqlite3_exec(handle.pointer, "COMMIT", nil, nil, nil)
            released.fulfill()
        }
        // Blocks on the busy timeout until the other connection commits, then succeeds.
        guard case .queued = try f.catalog.enqueue(CatalogFixture.scan("/inbox/a.jpg", sha: "s1")) else {
            return XCTFail("expected queued")
        }
        wait(for: [released], timeout: 5)
    }

    func testReadOnlyOpenOfAMissingCatalogSaysWhatToDo() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID()).sqlite").path
        XCTAssertThrowsError(try Catalog(path: path, readOnly: true)) { error in
            XCTAssertEqual(error as? CatalogError, .missingCatalog(path: path))
            XCTAssertTrue("\(error)".contains(path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "a read-only open must not create the file")
    }

    func testNewerSchemaIsRefused() throws {
        let f = try CatalogFixture()
        try f.catalog.write { db in try db.exec("PRAGMA user_version = 99") }
        XCTAssertThrowsError(try Catalog(path: f.path)) { error in
            XCTAssertEqual(error as? CatalogError,
                           .newerSchema(path: f.path, found: 99, supported: Catalog.schemaVersion))
        }
    }

    func testReopeningKeepsData() throws {
        let f = try CatalogFixture()
        try f.read("/inbox/a.jpg", sha: "s1", text: "durable words")
        let reopened = try Catalog(path: f.path)
        XCTAssertEqual(try reopened.search(SearchQuery(text: "durable")).map(\.path), ["/inbox/a.jpg"])
    }
}

/// Hands a raw connection to another thread in a test (used by one thread at a time).
private final class ConnectionBox: @unchecked Sendable {
    let pointer: OpaquePointer?
    init(_ pointer: OpaquePointer?) { self.pointer = pointer }
}

final class MigrationTests: XCTestCase {
    /// A catalog written by schema 1 (FTS with its own copy of the text) upgrades in place and stays searchable.
    func testVersion1CatalogIsMigrated() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-migrate-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("catalog.sqlite").path
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(path, &db), SQLITE_OK)
        let v1 = Schema.migrations[0] + """
            ;
            INSERT INTO documents (id, path, sha256, bytes, mtime, format, inbox, model, prompt, max_tokens, state, text, created_at)
            VALUES (1, '/inbox/a.jpg', 's1', 1, 0, 'jpeg', '/inbox', 'qwen', 'p', 10, 'done', 'old schema Zürich words', 1),
                   (2, '/inbox/b.jpg', 's2', 1, 0, 'jpeg', '/inbox', 'qwen', 'p', 10, 'failed', NULL, 1);
            INSERT INTO documents_fts (rowid, text) VALUES (1, 'old schema Zürich words');
            PRAGMA user_version = 1;
            """
        XCTAssertEqual(sqlite3_exec(db, v1, nil, nil, nil), SQLITE_OK, String(cString: sqlite3_errmsg(db)))
        sqlite3_close(db)

        let catalog = try Catalog(path: path)
        XCTAssertEqual(try catalog.read { db in try db.scalarInt("PRAGMA user_version") }, Int64(Catalog.schemaVersion))
        XCTAssertEqual(try catalog.search(SearchQuery(text: "zurich")).map(\.path), ["/inbox/a.jpg"])
        CatalogFixture.assertIndexIntact(catalog)
    }
}
