import XCTest
@testable import Imaging

/// PDFs rendered by poppler's pdftoppm in a limited child process, straight to the pixel budget.
final class PDFRenderTests: XCTestCase {
    func testPagesRenderExactlyAsPdftoppmAtTheBudgetsSize() throws {
        let cases = try DocumentFixtures.manifest().pdf
        XCTAssertEqual(cases.map(\.file), ["scanned-3page.pdf", "born-digital.pdf"])
        for item in cases {
            let source = try ScanOpener.open(data: DocumentFixtures.bytes(item.file))
            XCTAssertEqual(source.format, .pdf)
            XCTAssertEqual(source.pageCount, item.pages.count, item.file)
            for (index, page) in item.pages.enumerated() {
                let decoded = try source.page(index, pixelBudget: item.budget)
                let label = "\(item.file) p\(index + 1)"
                XCTAssertEqual([decoded.image.width, decoded.image.height], [page.width, page.height], label)
                let pixels = decoded.image.width * decoded.image.height
                XCTAssertLessThanOrEqual(pixels, item.budget, "\(label): over the budget")
                // close to it: one more pixel on each side would pass it
                XCTAssertGreaterThan((decoded.image.width + 1) * (decoded.image.height + 1), item.budget, "\(label): far under the budget")
                // Same program, same size: the same pixels (tolerance 0).
                XCTAssertEqual(SHA256.hex(decoded.image.pixels), page.sha256, "\(label): differs from pdftoppm")
                if let sourceFile = page.source {
                    // The scanned picture, upright (page 2 is /Rotate 90 from its JPEG's EXIF 6), resized by PIL.
                    // Measured: 0.64, 0.83, 0.81 for the right page; below 0.2 for another page, below 0.05 turned.
                    let picture = try DocumentFixtures.bytes(sourceFile)
                    let same = DocumentFixtures.correlation(decoded.image.pixels, picture)
                    let turned = DocumentFixtures.correlation(decoded.image.pixels, DocumentFixtures.turnedHalf(picture))
                    XCTAssertGreaterThan(same, 0.5, "\(label): does not look like its source picture")
                    XCTAssertLessThan(turned, 0.2, "\(label): looks like its picture turned")
                }
                XCTAssertEqual(try source.textLayer(index), page.text, "\(label) text layer")
            }
        }
    }

    func testTheRotatedScanIsShownUpright() throws {
        // Page 2 is stored portrait with /Rotate 90: rendered landscape; a transposed render would be far off.
        let source = try ScanOpener.open(data: DocumentFixtures.bytes("scanned-3page.pdf"))
        let page = try source.page(1, pixelBudget: 30000)
        XCTAssertGreaterThan(page.image.width, page.image.height)
        let reference = try DocumentFixtures.bytes("scanned-3page.pdf.page2.rgb")
        XCTAssertGreaterThan(DocumentFixtures.correlation(page.image.pixels, reference), 0.7)
    }

    func testTheBudgetChoosesTheResolution() throws {
        let source = try ScanOpener.open(data: DocumentFixtures.bytes("born-digital.pdf"))  // 300 x 200 pt
        for budget in [1_000, 60_000, 250_000, 1_003_520] {
            let page = try source.page(0, pixelBudget: budget)
            let pixels = page.image.width * page.image.height
            XCTAssertLessThanOrEqual(pixels, budget)
            XCTAssertGreaterThan((page.image.width + 1) * (page.image.height + 1), budget, "budget \(budget): \(page.image.width)x\(page.image.height)")
            XCTAssertEqual(Double(page.image.width) / Double(page.image.height), 1.5, accuracy: 1.5 / Double(page.image.height))
        }
        // No budget: 150 dpi (300 x 200 pt → 625 x 417 px, sides rounded up as pdftoppm -r 150 does).
        let plain = try source.page(0, pixelBudget: nil)
        XCTAssertEqual([plain.image.width, plain.image.height], [625, 417])
    }

    /// A square 600 × 600 pt page at the default budget: pdftoppm rounds one side up (1002 × 1001), which
    /// the output cap once mistook for a runaway renderer (found by the seconds-per-page benchmark).
    func testASquarePageAtTheDefaultBudgetRenders() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/documents/square-600pt.pdf").standardized
        let source = try ScanOpener.open(data: Array(try Data(contentsOf: url)))
        let page = try source.page(0, pixelBudget: 1_003_520)
        XCTAssertLessThanOrEqual(page.image.width * page.image.height, 1_003_520)
        XCTAssertGreaterThanOrEqual(page.image.width * page.image.height, 1_000_000)
    }

    func testRenderSizeArithmetic() throws {
        let limits = ImageLimits()
        let a4 = try PDFPageSource.renderSize(width: 595.276, height: 841.89, pixelBudget: 12_845_056, limits: limits)
        XCTAssertEqual(a4.longSide, a4.height)
        XCTAssertLessThanOrEqual(a4.width * a4.height, 12_845_056)
        XCTAssertGreaterThan((a4.width + 1) * (a4.height + 1), 12_845_056)
        XCTAssertEqual(Double(a4.width) / Double(a4.height), 595.276 / 841.89, accuracy: 1.0 / Double(a4.height))
        // A 1,000,000-point-wide sliver: one pixel tall, the rest of the budget wide — never 0.
        let sliver = try PDFPageSource.renderSize(width: 1_000_000, height: 1, pixelBudget: 10_000, limits: limits)
        XCTAssertEqual([sliver.width, sliver.height], [10_000, 1])
        // The budget is capped by maxPixels.
        let capped = try PDFPageSource.renderSize(width: 600, height: 600, pixelBudget: 1 << 40, limits: ImageLimits(maxPixels: 10_000))
        XCTAssertEqual([capped.width, capped.height], [100, 100])
    }

    func testChildLimitsStopARunawayRenderer() throws {
        // The wall clock: a child that never ends is killed at its deadline and reported as such.
        let file = try ChildInputFile(Array("%PDF-1.4\n".utf8), format: .pdf)
        let start = Date()
        let outcome = try file.withDescriptor { (fd) throws(ImageDecodeError) -> ChildProcess.Outcome in
            do { return try ChildProcess.run("sleep", ["30"], input: fd, limits: .init(seconds: 1, memoryBytes: 1 << 30, maxOutputBytes: 100)) }
            catch { throw .damaged(format: .pdf, detail: "\(error)") }
        }
        XCTAssertEqual(outcome.ending, .timedOut)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertThrowsError(try PopplerTools.interpret(outcome, program: "sleep", what: "page 1", limits: ImageLimits(renderSeconds: 1))) { error in
            guard case .limitExceeded(.pdf, let detail)? = error as? ImageDecodeError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("longer than 1 s"), detail)
        }
        // The address-space limit is set in the child (prlimit): a child asking for it sees it.
        let shown = try file.withDescriptor { (fd) throws(ImageDecodeError) -> ChildProcess.Outcome in
            do { return try ChildProcess.run("sh", ["-c", "ulimit -v; ulimit -t; ls /proc/self/fd"], input: fd,
                                             limits: .init(seconds: 7, memoryBytes: 512 << 20, maxOutputBytes: 1 << 16)) }
            catch { throw .damaged(format: .pdf, detail: "\(error)") }
        }
        let lines = String(decoding: shown.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.prefix(2), ["524288", "7"], "RLIMIT_AS in KiB, RLIMIT_CPU in s: \(lines)")
        // No inherited descriptors: 0, 1, 2 and the one ls opens to list them.
        XCTAssertLessThanOrEqual(lines.dropFirst(2).count, 4, "descriptors leaked into the child: \(lines)")
        // stdin is the document, read from its start.
        let echoed = try file.withDescriptor { (fd) throws(ImageDecodeError) -> ChildProcess.Outcome in
            do { return try ChildProcess.run("cat", [], input: fd, limits: .init(seconds: 5, memoryBytes: 1 << 30, maxOutputBytes: 100)) }
            catch { throw .damaged(format: .pdf, detail: "\(error)") }
        }
        XCTAssertEqual(String(decoding: echoed.stdout, as: UTF8.self), "%PDF-1.4\n")
    }

    func testMissingProgramIsNamedWithItsPackage() throws {
        XCTAssertNil(ChildProcess.locate("scrawl-no-such-program"))
        let file = try ChildInputFile([0], format: .pdf)
        let failure = try file.withDescriptor { (fd) throws(ImageDecodeError) -> ChildProcess.Failure? in
            do throws(ChildProcess.Failure) {
                _ = try ChildProcess.run("scrawl-no-such-program", [], input: fd, limits: .init(seconds: 1, memoryBytes: 1 << 30, maxOutputBytes: 1))
                return nil
            } catch { return error }
        }
        guard case .missing("scrawl-no-such-program")? = failure else { return XCTFail("\(String(describing: failure))") }
        XCTAssertTrue(ImageDecodeError.missingProgram(program: "pdftoppm", package: "poppler-utils").description.contains("install the Debian package poppler-utils"))
    }
}
