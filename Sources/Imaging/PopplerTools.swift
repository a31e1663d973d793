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
    static func documentInfo(_ file: PDFDocumentFile, limits: ImageLimits) throws(ImageDecodeError) -> DocumentInfo {
        let text = try run("pdfinfo", ["-"], file, limits: limits, maxOutput: 1 << 20, what: "the document")
        guard let pages = value(of: "Pages:", in: text).flatMap({ Int($0) }) else {
            throw .damaged(format: .pdf, detail: "pdfinfo reports no page count")
        }
        return DocumentInfo(pages: pages)
    }

    /// `pdfinfo -f n -l n -`: page n's crop box and rotation.
    static func pageInfo(_ page: Int, _ file: PDFDocumentFile, limits: ImageLimits) throws(ImageDecodeError) -> PageInfo {
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
    static func render(_ page: Int, longSide: Int, _ file: PDFDocumentFile, limits: ImageLimits) throws(ImageDecodeError) -> RGBImage {
        // pdftoppm may round either side up by one (a 600 × 600 pt page at -scale-to 1001 comes out
        // 1002 × 1001), so the output cap allows L + 1 on both.
        let (square, overflow) = (longSide + 1).multipliedReportingOverflow(by: (longSide + 1) * 3)
        let output = try runBytes("pdftoppm", ["-f", "\(page)", "-l", "\(page)", "-cropbox", "-scale-to", "\(longSide)", "-"],
                                  file, limits: limits, maxOutput: overflow ? Int.max : square + 64, what: "page \(page)")
        return try PPMImage.parse(output, page: page, limits: limits)
    }

    /// `pdftotext -f n -l n -enc UTF-8 - -`: page n's text layer, trimmed; nil when empty.
    static func text(_ page: Int, _ file: PDFDocumentFile, limits: ImageLimits) throws(ImageDecodeError) -> String? {
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

    private static func run(_ program: String, _ arguments: [String], _ file: PDFDocumentFile, limits: ImageLimits,
                            maxOutput: Int, what: String) throws(ImageDecodeError) -> String {
        String(decoding: try runBytes(program, arguments, file, limits: limits, maxOutput: maxOutput, what: what), as: UTF8.self)
    }

    private static func runBytes(_ program: String, _ arguments: [String], _ file: PDFDocumentFile, limits: ImageLimits,
                                 maxOutput: Int, what: String) throws(ImageDecodeError) -> [UInt8] {
        let childLimits = ChildProcess.Limits(seconds: limits.renderSeconds, memoryBytes: limits.renderMemoryBytes,
                                              maxOutputBytes: maxOutput)
        let outcome: ChildProcess.Outcome
        do {
            outcome = try file.withDescriptor { (fd) throws(ImageDecodeError) -> ChildProcess.Outcome in
                do throws(ChildProcess.Failure) {
                    return try ChildProcess.run(program, arguments, input: fd, limits: childLimits)
                } catch {
                    switch error {
                    case .missing(let name):
                        throw .missingProgram(program: name, package: name == "prlimit" ? "util-linux" : package)
                    case .system(let reason):
                        throw .damaged(format: .pdf, detail: "cannot start \(program): \(reason)")
                    }
                }
            }
        }
        return try interpret(outcome, program: program, what: what, limits: limits)
    }

    /// Maps a child's ending to the page's outcome.
    static func interpret(_ outcome: ChildProcess.Outcome, program: String, what: String, limits: ImageLimits) throws(ImageDecodeError) -> [UInt8] {
        let stderr = outcome.stderr
        if stderr.contains("Incorrect password") { throw .passwordProtected(format: .pdf) }
        let memory = "\(limits.renderMemoryBytes >> 20) MiB"
        switch outcome.ending {
        case .exited(0):
            return outcome.stdout
        case .timedOut:
            throw .limitExceeded(format: .pdf, detail: "\(program) took longer than \(limits.renderSeconds) s on \(what) and was killed")
        case .outputTooLarge:
            throw .limitExceeded(format: .pdf, detail: "\(program) wrote more output than \(what) can have and was killed")
        case .signalled(SIGXCPU), .signalled(SIGKILL):
            throw .limitExceeded(format: .pdf, detail: "\(program) used more than \(limits.renderSeconds) s of CPU time on \(what)")
        case .signalled(let signal) where stderr.contains("bad_alloc") || signal == SIGABRT && stderr.contains("memory"):
            throw .limitExceeded(format: .pdf, detail: "\(program) ran out of its \(memory) of memory on \(what) (signal \(signal))")
        case .signalled(let signal):
            throw .damaged(format: .pdf, detail: "\(program) crashed on \(what) (signal \(signal))\(summary(stderr))")
        case .exited(let code):
            if stderr.lowercased().contains("out of memory") || stderr.contains("bad_alloc") {
                throw .limitExceeded(format: .pdf, detail: "\(program) ran out of its \(memory) of memory on \(what)")
            }
            throw .damaged(format: .pdf, detail: "\(program) could not read \(what) (exit \(code))\(summary(stderr))")
        }
    }

    /// poppler's first error lines, short.
    private static func summary(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").filter { $0.contains("Error") || $0.contains("error") }
        let chosen = (lines.isEmpty ? Array(stderr.split(separator: "\n").prefix(1)) : Array(lines.prefix(2))).joined(separator: "; ")
        return chosen.isEmpty ? "" : ": " + String(chosen.prefix(300))
    }
}
