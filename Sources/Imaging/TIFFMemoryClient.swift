import CTIFF
import Glibc

/// A TIFF opened from bytes in memory (`TIFFClientOpenExt`, no file, no mmap), with libtiff's
/// errors and warnings captured per handle instead of printed to stderr, and libtiff's own
/// allocation cap set from the pixel limit.
final class TIFFMemoryClient {
    /// The bytes libtiff reads, and its read position.
    private final class Source {
        let bytes: [UInt8]
        var offset = 0
        var errors: [String] = []
        var warnings: [String] = []
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private let source: Source
    let tiff: OpaquePointer

    /// Opens the TIFF; throws `damaged` with libtiff's first error if it cannot.
    init(_ bytes: [UInt8], limits: ImageLimits) throws(ImageDecodeError) {
        let source = Source(bytes)
        let options = TIFFOpenOptionsAlloc()
        defer { TIFFOpenOptionsFree(options) }
        let user = Unmanaged.passUnretained(source).toOpaque()
        // libtiff's largest single allocation: a strip or tile buffer of the largest page allowed.
        let (cap, overflow) = limits.maxPixels.multipliedReportingOverflow(by: 8)
        TIFFOpenOptionsSetMaxSingleMemAlloc(options, tmsize_t(overflow ? Int.max : max(cap, 16 << 20)))
        TIFFOpenOptionsSetErrorHandlerExtR(options, Self.onError, user)
        TIFFOpenOptionsSetWarningHandlerExtR(options, Self.onWarning, user)
        let opened = TIFFClientOpenExt("scan.tiff", "rm", user, Self.read, Self.write, Self.seek, Self.close,
                                       Self.size, Self.map, Self.unmap, options)
        guard let opened else {
            throw .damaged(format: .tiff, detail: source.errors.first.map { "libtiff: " + $0 } ?? "libtiff cannot open the file")
        }
        self.source = source
        self.tiff = opened
    }

    deinit { TIFFClose(tiff) }

    /// libtiff's errors so far (warnings are kept apart: unknown tags and the like are harmless).
    var errors: [String] { source.errors }

    /// `damaged` naming libtiff's first error, or `fallback` when libtiff said nothing.
    func damage(_ fallback: String) -> ImageDecodeError {
        .damaged(format: .tiff, detail: source.errors.first.map { "libtiff: " + $0 } ?? fallback)
    }

    /// A 16-bit or 32-bit tag (TIFFGetFieldDefaulted), or nil when the tag is absent and has no default.
    func field<T: FixedWidthInteger>(_ tag: Int32, as: T.Type = T.self) -> T? {
        var value: T = 0
        let found = withUnsafeMutablePointer(to: &value) { pointer in
            withVaList([pointer]) { TIFFVGetFieldDefaulted(tiff, UInt32(tag), $0) }
        }
        return found == 1 ? value : nil
    }

    // MARK: libtiff callbacks (C function pointers; the Source is found again from the handle)

    private static func source(_ handle: thandle_t?) -> Source? {
        handle.map { Unmanaged<Source>.fromOpaque($0).takeUnretainedValue() }
    }

    private static let read: TIFFReadWriteProc = { handle, buffer, wanted in
        guard let source = source(handle), let buffer, wanted > 0 else { return 0 }
        let count = min(Int(wanted), max(0, source.bytes.count - source.offset))
        guard count > 0 else { return 0 }
        source.bytes.withUnsafeBytes { bytes in
            buffer.copyMemory(from: bytes.baseAddress! + source.offset, byteCount: count)
        }
        source.offset += count
        return tmsize_t(count)
    }

    private static let write: TIFFReadWriteProc = { _, _, _ in -1 }

    private static let seek: TIFFSeekProc = { handle, offset, whence in
        guard let source = source(handle) else { return UInt64.max }
        let base: Int
        switch whence {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = source.offset
        case SEEK_END: base = source.bytes.count
        default: return UInt64.max
        }
        // Offsets are unsigned; a "negative" SEEK_CUR arrives as a huge value and wraps.
        let target = Int(truncatingIfNeeded: UInt64(base) &+ offset)
        guard target >= 0 else { return UInt64.max }
        source.offset = target
        return UInt64(target)
    }

    private static let close: TIFFCloseProc = { _ in 0 }
    private static let size: TIFFSizeProc = { handle in UInt64(source(handle)?.bytes.count ?? 0) }
    private static let map: TIFFMapFileProc = { _, _, _ in 0 }
    private static let unmap: TIFFUnmapFileProc = { _, _, _ in }

    private static let onError: TIFFErrorHandlerExtR = { _, user, module, format, arguments in
        guard let user else { return 1 }
        let source = Unmanaged<Source>.fromOpaque(user).takeUnretainedValue()
        if source.errors.count < 16 { source.errors.append(text(module, format, arguments)) }
        return 1
    }

    private static let onWarning: TIFFErrorHandlerExtR = { _, user, module, format, arguments in
        guard let user else { return 1 }
        let source = Unmanaged<Source>.fromOpaque(user).takeUnretainedValue()
        if source.warnings.count < 16 { source.warnings.append(text(module, format, arguments)) }
        return 1
    }

    private static func text(_ module: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?, _ arguments: CVaListPointer?) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        if let format, let arguments { _ = vsnprintf(&buffer, buffer.count, format, arguments) }
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let module else { return message }
        return String(cString: module) + ": " + message
    }
}
