import Foundation
import Glibc

/// The poppler-utils programs a PDF is read with, each run as a limited child process
/// (ChildProcess) reading the document from its stdin, and their answers turned into typed errors.
enum PopplerTools {
    static let package = "poppler-utils"

    struct DocumentInfo: Equatable {
        var pages: Int
    }

    struct PageInfo: Equatable {
        /// Crop box size in points, as shown (rotation applied).
        var width: Double
        var height: Double
    }

    /// `pdfinfo -`: the page count.
    static func documentInfo(_ file: ChildInputFile, limits: ImageLimits) throws(ImageDecodeError) -> DocumentInfo {
        let text = try run("pdfinfo", ["-"], file, limits: limits, maxOutput: 1 << 20, what: "the document")
        guard let pages = value(of: "Pages:", in: text).flatMap({ Int($0) }) else {
            throw .damaged(format: .pdf, detail: "pdfinfo reports no page count")
        }
        return DocumentInfo(pages: pages)
    }

    /// `pdfinfo -f n -l n -`: page n's crop box and rotation.
    static func pageInfo(_ page: Int, _ file: ChildInputFile, limits: ImageLimits) throws(ImageDecodeError) -> PageInfo {
        let text = try run("pdfinfo", ["-f", "\(page)", "-l", "\(page)", "-"], file, limits: limits, maxOutput: 1 << 20,
                           what: "page \(page)")
        // "Page    3 size: 595.276 x 841.89 pts (A4)" and "Page    3 rot:  90"
        let prefix = "Page" + String(repeating: " ", count: max(1, 5 - String(page).count)) + "\(page) "
        guard let size = value(of: prefix + "size:", in: text) else {
            throw .damaged(format: .pdf, detail: "pdfinfo reports no size for page \(page)")
        }
        let parts = size.split(separator: " ")
        guard parts.count >= 3, parts[1] == "x", let width = Double(parts[0]), let height = Double(parts[2]),
              width.isFinite, height.isFinite, width > 0, height > 0 else {
            throw .damaged(format: .pdf, detail: "page \(page) has an impossible size (\(size))")
        }
        let rotation = value(of: prefix + "rot:", in: text).flatMap { Int($0) } ?? 0
        let quarterTurns = ((rotation % 360) + 360) % 360 / 90
        return quarterTurns % 2 == 1 ? PageInfo(width: height, height: width) : PageInfo(width: width, height: height)
    }

    /// `pdftoppm -f n -l n -cropbox -scale-to L -`: page n as a PPM whose long side is L pixels,
    /// one resolution for both axes (72·L / long side in points), so the short side is
    /// ⌈short · L / long⌉. (`-scale-to-x/-y` are avoided: poppler 22 mixes rotated and unrotated
    /// axes with them on /Rotate 90 pages and distorts the page.)
    static func render(_ page: Int, longSide: Int, _ file: ChildInputFile, limits: ImageLimits) throws(ImageDecodeError) -> RGBImage {
        // pdftoppm may round either side up by one (a 600 × 600 pt page at -scale-to 1001 comes out
        // 1002 × 1001), so the output cap allows L + 1 on both.
        let (square, overflow) = (longSide + 1).multipliedReportingOverflow(by: (longSide + 1) * 3)
        let output = try runBytes("pdftoppm", ["-f", "\(page)", "-l", "\(page)", "-cropbox", "-scale-to", "\(longSide)", "-"],
                                  file, limits: limits, maxOutput: overflow ? Int.max : square + 64, what: "page \(page)")
        return try PPMImage.parse(output, page: page, limits: limits)
    }

    /// `pdftotext -f n -l n -enc UTF-8 - -`: page n's text layer, trimmed; nil when empty.
    static func text(_ page: Int, _ file: ChildInputFile, limits: ImageLimits) throws(ImageDecodeError) -> String? {
        let text = try run("pdftotext", ["-f", "\(page)", "-l", "\(page)", "-enc", "UTF-8", "-", "-"], file, limits: limits,
                           maxOutput: 16 << 20, what: "the text of page \(page)")
        let trimmed = text.replacingOccurrences(of: "\u{0C}", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func value(of key: String, in text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return line.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    private static func run(_ program: String, _ arguments: [String], _ file: ChildInputFile, limits: ImageLimits,
                            maxOutput: Int, what: String) throws(ImageDecodeError) -> String {
        String(decoding: try runBytes(program, arguments, file, limits: limits, maxOutput: maxOutput, what: what), as: UTF8.self)
    }

    private static func runBytes(_ program: String, _ arguments: [String], _ file: ChildInputFile, limits: ImageLimits,
                                 maxOutput: Int, what: String) throws(ImageDecodeError) -> [UInt8] {
        let outcome = try HelperProgram(name: program, package: package, format: .pdf)
            .run(arguments, file, imageLimits: limits, maxOutput: maxOutput)
        return try interpret(outcome, program: program, what: what, limits: limits)
    }

    /// Maps a child's ending to the page's outcome (a wrong or missing password first: poppler says so on stderr).
    static func interpret(_ outcome: ChildProcess.Outcome, program: String, what: String, limits: ImageLimits) throws(ImageDecodeError) -> [UInt8] {
        if outcome.stderr.contains("Incorrect password") { throw .passwordProtected(format: .pdf) }
        return try HelperProgram(name: program, package: package, format: .pdf).interpret(outcome, what: what, limits: limits)
    }
}
