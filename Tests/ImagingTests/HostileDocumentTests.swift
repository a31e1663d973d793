import Foundation
import XCTest
@testable import Imaging

/// The hostile document corpus (Tests/Fixtures/hostile/documents, scripts/make-hostile-documents.py):
/// every broken or malicious PDF, TIFF, HEIF and WebP file is opened with the daemon's decoders,
/// every page and text layer is read, and each case must end in its typed error (or, where damage may
/// be repaired, in pages) within its time — a renderer child is killed at its limit, never the process.
final class HostileDocumentTests: XCTestCase {
    struct Case: Decodable {
        var file: String
        var expect: String
        var why: String
        var kind: String
        var seconds: Double
    }

    struct Manifest: Decodable { var cases: [Case] }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/hostile/documents").standardizedFileURL

    /// Renderers get 4 s and 1 GiB each; more than 1000 pages is refused.
    static let limits = ImageLimits(maxPages: 1000, renderSeconds: 4, renderMemoryBytes: 1 << 30)

    func testEveryHostileDocumentEndsInItsTypedErrorInTime() throws {
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: Self.root.appendingPathComponent("documents.json")))
        XCTAssertGreaterThanOrEqual(manifest.cases.count, 25)
        var timings: [String] = []
        for item in manifest.cases {
            let data = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent(item.file)))
            let start = Date()
            let outcome = Self.readEverything(data)
            let elapsed = Date().timeIntervalSince(start)
            let pagesRead = (try? outcome.get()).map { "pages \($0)" } ?? ""
            timings.append("\(item.file) \(String(format: "%.2f", elapsed))s \(pagesRead)")
            XCTAssertLessThan(elapsed, item.seconds, "\(item.file) (\(item.why)) took \(elapsed) s")
            switch (item.expect, outcome) {
            case ("pages", .failure(let error)):
                XCTFail("\(item.file) (\(item.why)): expected pages, got \(error)")
            case ("error", .success(let pages)):
                XCTFail("\(item.file) (\(item.why)): expected \(item.kind), decoded \(pages) page(s)")
            case (_, .failure(let error)):
                XCTAssertFalse(error.description.isEmpty)
                if item.expect == "error" && item.kind != "any" {
                    XCTAssertEqual(Self.kind(error), item.kind, "\(item.file) (\(item.why)): \(error)")
                }
                timings[timings.count - 1] += " → \(Self.kind(error)): \(error.description.prefix(140))"
            case (_, .success):
                XCTAssertEqual(item.expect == "error", false)
            }
        }
        print("HostileDocumentTests:\n  " + timings.joined(separator: "\n  "))
    }

    /// Opens the file, decodes every page (up to 3) and reads each text layer.
    static func readEverything(_ data: [UInt8]) -> Result<Int, ImageDecodeError> {
        do throws(ImageDecodeError) {
            let source = try ScanOpener.open(data: data, limits: limits)
            let pages = min(source.pageCount, 3)
            for index in 0..<pages {
                let page = try source.page(index, pixelBudget: 250_000)
                guard page.image.width * page.image.height <= 250_000 || source.format != .pdf else {
                    return .failure(.damaged(format: .pdf, detail: "rendered over the budget"))
                }
                _ = try source.textLayer(index)
            }
            return .success(pages)
        } catch {
            return .failure(error)
        }
    }

    static func kind(_ error: ImageDecodeError) -> String {
        switch error {
        case .emptyFile: return "emptyFile"
        case .unsupportedFormat: return "unsupportedFormat"
        case .fileTooLarge: return "fileTooLarge"
        case .tooManyPixels: return "tooManyPixels"
        case .invalidDimensions: return "invalidDimensions"
        case .damaged: return "damaged"
        case .unsupportedVariant: return "unsupportedVariant"
        case .unreadable: return "unreadable"
        case .passwordProtected: return "passwordProtected"
        case .tooManyPages: return "tooManyPages"
        case .limitExceeded: return "limitExceeded"
        case .missingProgram: return "missingProgram"
        }
    }
}
