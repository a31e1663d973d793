import Foundation
import Glibc

/// HEIF → RGB8: the primary image (HEIC/HEVC, AVIF/AV1), shown the way a phone's gallery shows it,
/// decoded by libheif's own command-line tools run as limited child processes (HelperProgram), not
/// by linking libheif. Two reasons, both about the daemon's process: Debian 12's libheif1 links the
/// GPL x265 encoder, which would then be mapped into an Apache-2.0 daemon; and the HEVC decoder
/// (libde265) has a long record of memory-safety bugs, which in a child cost one error, never the
/// daemon. `heif-info` reports the primary image's size first (checked against the limits before a
/// pixel is decoded); `heif-convert` then writes it as a PNG into a private temp folder (its file
/// size capped by RLIMIT_FSIZE), which the PNG decoder reads.
///
/// Orientation: libheif applies the container's `irot`/`imir` (and `clap`) transforms while
/// decoding, and the size heif-info reports is the transformed one. An EXIF orientation tag in the
/// file is NOT applied on top: the HEIF/MIAF rule is that the transform properties are what a reader
/// shows, and pillow-heif (what Pillow users read HEIC with) does the same — it decodes with the
/// transforms and resets the EXIF orientation to 1 so `ImageOps.exif_transpose` leaves the image
/// alone. Applying both would rotate iPhone photos (which carry irot and a matching EXIF
/// orientation) twice. Alpha is dropped without compositing, as for PNG; 10-bit images arrive as
/// 16-bit PNG and are reduced as a 16-bit PNG is.
enum HEIFDecoder {
    static let package = "libheif-examples"
    private static let info = HelperProgram(name: "heif-info", package: package, format: .heif)
    private static let convert = HelperProgram(name: "heif-convert", package: package, format: .heif)
    /// The child's stdin, reopened by path (libheif's tools take a file name and seek in it).
    private static let input = "/proc/self/fd/0"

    static func decode(_ data: [UInt8], limits: ImageLimits) throws(ImageDecodeError) -> RGBImage {
        let file = try ChildInputFile(data, format: .heif)
        let (width, height) = try primarySize(file, limits: limits)
        try limits.check(width: width, height: height, format: .heif)
        let png = try convertToPNG(file, width: width, height: height, limits: limits)
        let image: RGBImage
        do throws(ImageDecodeError) {
            image = try PNGDecoder.decode(png, limits: limits).image
        } catch {
            throw .damaged(format: .heif, detail: "heif-convert wrote a PNG that does not decode (\(error))")
        }
        guard image.width == width, image.height == height else {
            throw .damaged(format: .heif, detail: "heif-convert wrote \(image.width)x\(image.height) where heif-info reported \(width)x\(height)")
        }
        return image
    }

    /// `heif-info`: the primary image's size as shown ("image: 96x64 (id=1), primary").
    static func primarySize(_ file: ChildInputFile, limits: ImageLimits) throws(ImageDecodeError) -> (Int, Int) {
        let outcome = try info.run([input], file, imageLimits: limits, maxOutput: 1 << 20)
        let text = String(decoding: try interpret(outcome, program: info, limits: limits), as: UTF8.self)
        guard let size = primarySize(in: text) else {
            throw .damaged(format: .heif, detail: "the file names no primary image" + HelperProgram.summary(outcome.stderr))
        }
        return size
    }

    static func primarySize(in text: String) -> (Int, Int)? {
        for line in text.split(separator: "\n") where line.hasPrefix("image: ") && line.hasSuffix(", primary") {
            let dims = line.dropFirst("image: ".count).prefix { $0 != " " }.split(separator: "x")
            guard dims.count == 2, let width = Int(dims[0]), let height = Int(dims[1]) else { return nil }
            return (width, height)
        }
        return nil
    }

    /// `heif-convert --quiet <stdin> <private folder>/image.png`, read back and the folder removed.
    private static func convertToPNG(_ file: ChildInputFile, width: Int, height: Int, limits: ImageLimits) throws(ImageDecodeError) -> [UInt8] {
        // 16-bit RGBA rows plus filter bytes, and deflate's worst-case growth.
        let raw = height.multipliedReportingOverflow(by: width * 8 + 1)
        let cap = raw.overflow ? Int.max : raw.partialValue + raw.partialValue / 100 + (1 << 20)
        let folder = try privateFolder()
        let output = folder + "/image.png"
        defer { unlink(output); rmdir(folder) }
        let outcome = try convert.run(["--quiet", input, output], file, imageLimits: limits, maxOutput: 1 << 20, maxFileBytes: cap)
        _ = try interpret(outcome, program: convert, limits: limits)
        do {
            return try ImageDecoder.readFile(output, maxBytes: cap)
        } catch {
            throw .damaged(format: .heif, detail: "heif-convert left no readable image (\(error))")
        }
    }

    /// libheif reports its own size limits and refusals on stderr; those are the file's fault.
    private static func interpret(_ outcome: ChildProcess.Outcome, program: HelperProgram, limits: ImageLimits) throws(ImageDecodeError) -> [UInt8] {
        if outcome.ending != .exited(0), outcome.stderr.contains("Unsupported feature") || outcome.stderr.contains("Unsupported file") {
            throw .unsupportedVariant(format: .heif, detail: "libheif: " + HelperProgram.summary(outcome.stderr).dropFirst(2)
                                      + " (for HEIC libheif needs libde265, for AVIF libdav1d or libaom)")
        }
        return try program.interpret(outcome, what: "the image", limits: limits)
    }

    /// A fresh mode-0700 folder under $TMPDIR (the unit's PrivateTmp) or /tmp.
    private static func privateFolder() throws(ImageDecodeError) -> String {
        let parent = ChildProcess.temporaryFolder
        var template = Array((parent + "/scrawl-heif.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard made else {
            throw .damaged(format: .heif, detail: "cannot make a private temp folder for heif-convert in \(parent): \(String(cString: strerror(errno)))")
        }
        return String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    }
}
