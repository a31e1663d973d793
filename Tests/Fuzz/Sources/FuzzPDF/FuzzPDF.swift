import FuzzPageSupport
import FuzzSupport
import Imaging

/// PDF on arbitrary bytes through the real path: a private memory file, pdfinfo / pdftoppm / pdftotext
/// as limited child processes (2 s, 512 MiB each), the PPM and pdfinfo output parsed here. poppler
/// itself is not instrumented; what this finds is in scrawl's child handling and parsing — a page over
/// its budget, a hang, a leaked descriptor or child. Slow (a few children per input): run it with fewer
/// executions than the in-process targets.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPDF(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let limits = ImageLimits(maxPixels: 4_000_000, maxBytes: 1 << 20, maxPages: 64, renderSeconds: 2, renderMemoryBytes: 512 << 20)
    fuzzPages(fuzzBytes(start, count), format: .pdf, limits: limits, pixelBudget: 20_000, maxPages: 2)
    return 0
}
