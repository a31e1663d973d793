import Foundation

/// Tests/Fixtures/documents, written by scripts/reference/make_document_fixtures.py (img2pdf, fpdf2,
/// Pillow 13, tiffcp, pillow-heif, cwebp; references from Pillow's load_image and poppler's own tools).
enum DocumentFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/documents").standardizedFileURL

    struct Manifest: Decodable {
        let pdf: [PDFCase]
        let raster: [RasterCase]
    }

    struct PDFCase: Decodable {
        let file: String
        let budget: Int
        let pages: [Page]

        struct Page: Decodable {
            let widthPt: Double
            let heightPt: Double
            let width: Int
            let height: Int
            /// SHA-256 of pdftoppm's RGB8 at width × height.
            let sha256: String
            let mean: [Double]
            /// pdftotext's text of the page (trimmed), nil when it has none.
            let text: String?
            /// The upright picture the scanned page was made from, resized to width × height.
            let source: String?
        }
    }

    struct RasterCase: Decodable {
        let file: String
        let format: String
        let page: Int
        let pages: Int
        let width: Int
        let height: Int
        let rgb: String
        let tolerance: Int
        /// Largest mean per-byte difference accepted.
        let meanTolerance: Double
        let orientation: Int
        let why: String
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: root.appendingPathComponent("manifest.json")))
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
    }

    /// Largest per-byte difference and the number of bytes that differ.
    static func difference(_ ours: [UInt8], _ theirs: [UInt8]) -> (worst: Int, differing: Int) {
        var worst = 0, differing = 0
        for (a, b) in zip(ours, theirs) where a != b {
            worst = max(worst, abs(Int(a) - Int(b)))
            differing += 1
        }
        return (worst, differing)
    }

    /// Pearson correlation of two equally long byte strings (1: same picture; about 0: unrelated or turned).
    static func correlation(_ a: [UInt8], _ b: [UInt8]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        let n = Double(a.count)
        let meanA = Double(a.reduce(0) { $0 + Int($1) }) / n, meanB = Double(b.reduce(0) { $0 + Int($1) }) / n
        var ab = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) {
            let dx = Double(x) - meanA, dy = Double(y) - meanB
            ab += dx * dy; aa += dx * dx; bb += dy * dy
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }

    /// The RGB8 picture turned half a turn (a wrong-orientation control for `correlation`).
    static func turnedHalf(_ pixels: [UInt8]) -> [UInt8] {
        stride(from: pixels.count - 3, through: 0, by: -3).flatMap { pixels[$0..<($0 + 3)] }
    }

    static func meanAbsoluteDifference(_ ours: [UInt8], _ theirs: [UInt8]) -> Double {
        guard ours.count == theirs.count, !ours.isEmpty else { return .infinity }
        return Double(zip(ours, theirs).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(ours.count)
    }
}
