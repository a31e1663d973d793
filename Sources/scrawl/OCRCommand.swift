import ArgumentParser
import Foundation
import Imaging
import Inference

/// `scrawl ocr`: reads images with the model and prints their text.
struct OCRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocr",
        abstract: "Reads images with the vision-language model and prints their text.",
        discussion: """
            Text streams to standard output as it is generated (one block per image). With --json, one \
            JSON object per image and line: path, text, tokens, logprobs, prompt_tokens, finish_reason, \
            timings_ms, processed_width, processed_height (or path and error).
            finish_reason is eos, max_tokens, or loop: generation is cut when the same run of up to 64 \
            tokens repeats back to back at least 8 times over at least 128 tokens (a degenerate loop; \
            ordinary repeated rules, borders or list items are far shorter).
            Progress (vision layers, prefill, tokens) goes to standard error when it is a terminal.
            Exit status: 0 when every image was read, 1 when an image failed, 2 on a usage or model error.

            Examples:
              scrawl ocr note.jpg
              scrawl ocr --model /srv/models/qwen2-vl-ocr-2b --json --max-tokens 512 scans/*.png
              scrawl ocr --temperature 0.7 --top-p 0.9 --seed 42 note.jpg
              scrawl ocr --config /etc/scrawl/scrawl.toml --model gpu --greedy note.jpg   (a remote [models.gpu])
            """
    )

    @Option(name: .long, help: ArgumentHelp("Checkpoint directory, or the name of a configured model (qwen, aya, a [models.NAME], local or remote).", valueName: "dir|name"))
    var model = "qwen"

    @Option(name: .long, help: "The instruction given with the image.")
    var prompt = OCRRequest.defaultPrompt

    @Option(name: .long, help: ArgumentHelp("Stop after this many generated tokens.", valueName: "n"))
    var maxTokens = 1024

    @Flag(name: .long, help: "Always pick the most likely token (ignore the checkpoint's sampling settings).")
    var greedy = false

    @Option(name: .long, help: ArgumentHelp("""
        Pixel budget of the resized image (default 1003520 = 1280·28·28, about 1 megapixel → at most \
        1280 image tokens). It is the image processor's own default and keeps a page at roughly a \
        minute on two cores; the checkpoint's file allows 12.8 MP (up to 16384 tokens, far slower on a \
        CPU). Lower it for speed, raise it for tiny handwriting.
        """, valueName: "n"))
    var maxPixels = OCRCommand.defaultMaxPixels

    @Option(name: .long, help: ArgumentHelp("Sampling temperature (overrides generation_config.json; turns sampling on).", valueName: "t"))
    var temperature: Float?

    @Option(name: .customLong("top-p"), help: ArgumentHelp("Nucleus sampling: keep the smallest set of tokens whose probability reaches p.", valueName: "p"))
    var topP: Float?

    @Option(name: .customLong("top-k"), help: ArgumentHelp("Keep only the k most likely tokens when sampling.", valueName: "k"))
    var topK: Int?

    @Option(name: .customLong("repetition-penalty"), help: ArgumentHelp("Penalise tokens already in the sequence (1 = off; HF semantics).", valueName: "r"))
    var repetitionPenalty: Float?

    @Option(name: .long, help: ArgumentHelp("Random seed for sampling (the same seed gives the same text).", valueName: "n"))
    var seed: UInt64?

    @OptionGroup var options: ModelOptions

    @Flag(name: .long, help: "One JSON object per page per line instead of plain text.")
    var json = false

    @Argument(help: ArgumentHelp("Scans: JPEG, PNG, GIF, PDF, TIFF, HEIC/HEIF/AVIF or WebP. A document's pages are read in order; in plain text they are separated by form feeds.", valueName: "image"))
    var images: [String]

    static let defaultMaxPixels = 1280 * 28 * 28

    func validate() throws {
        // Usage errors exit with 2 (the documented status), not ArgumentParser's 64.
        func usage(_ message: String) -> ExitCode {
            writeStandardError("scrawl ocr: \(message)\nSee 'scrawl ocr --help'.\n")
            return ExitCode(2)
        }
        guard maxTokens > 0 else { throw usage("--max-tokens must be at least 1") }
        guard maxPixels >= 3136 else { throw usage("--max-pixels must be at least 3136 (56×56)") }
        guard !images.isEmpty else { throw usage("give at least one image") }
        if let temperature, !(temperature > 0) { throw usage("--temperature must be above 0 (use --greedy for arg-max)") }
        if let topP, !(topP > 0 && topP <= 1) { throw usage("--top-p must be in (0, 1]") }
        if let topK, topK < 0 { throw usage("--top-k must be 0 (off) or more") }
        if let repetitionPenalty, !(repetitionPenalty > 0) { throw usage("--repetition-penalty must be above 0") }
    }

    func run() throws {
        let engine: any OCREngine
        do {
            engine = try options.engine(for: model)
        } catch {
            writeStandardError("scrawl ocr: \(error)\n")
            throw ExitCode(2)
        }
        let sampling = SamplingOverrides(temperature: temperature, topP: topP, topK: topK,
                                         repetitionPenalty: repetitionPenalty, seed: seed)
        let request = OCRRequest(prompt: prompt, maxNewTokens: maxTokens, maxPixels: maxPixels, greedy: greedy,
                                 sampling: sampling)
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1)
        var failed = false
        for path in images {
            do {
                let document = try ScanOpener.open(fileAt: path)
                for index in 0..<document.pageCount {
                    let label = document.pageCount > 1 ? "\(path), page \(index + 1)/\(document.pageCount)" : path
                    let decoded = try document.page(index, pixelBudget: maxPixels)
                    let result = try engine.read(decoded.image, request: request) { event in
                        progress.show(event, path: label)
                        if !json, case .token(_, let text, _) = event { writeStandardOutput(text) }
                    }
                    progress.clear()
                    if json {
                        writeStandardOutput(OCRJSONLine.success(path: path, page: index + 1, of: document.pageCount,
                                                                result: result) + "\n")
                    } else {
                        writeStandardOutput(index + 1 < document.pageCount ? "\n\u{0C}" : "\n")
                    }
                }
            } catch {
                progress.clear()
                failed = true
                writeStandardError("scrawl ocr: \(path): \(error)\n")
                if json { writeStandardOutput(OCRJSONLine.failure(path: path, error: "\(error)") + "\n") }
            }
        }
        if failed { throw ExitCode(1) }
    }
}


/// The JSON line printed per image by `scrawl ocr --json`.
enum OCRJSONLine {
    static func success(path: String, page: Int = 1, of pageCount: Int = 1, result: OCRResult) -> String {
        let t = result.timings
        let object: [String: Any] = [
            "path": path,
            "page": page,
            "page_count": pageCount,
            "text": result.text,
            "tokens": result.tokens,
            "logprobs": result.logprobs.map { Double($0) },
            "prompt_tokens": result.promptTokens,
            "finish_reason": result.finishReason.rawValue,
            "processed_width": result.processedWidth,
            "processed_height": result.processedHeight,
            "timings_ms": ["preprocess": t.preprocessMs, "vision": t.visionMs, "prefill": t.prefillMs,
                           "generate": t.generateMs, "total": t.totalMs],
        ]
        return encode(object)
    }

    static func failure(path: String, error: String) -> String { encode(["path": path, "error": error]) }

    private static func encode(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "{\"error\":\"could not encode the result as JSON\"}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// One self-overwriting status line on standard error.
struct ProgressLine {
    let enabled: Bool

    func show(_ event: OCREvent, path: String) {
        guard enabled else { return }
        let name = (path as NSString).lastPathComponent  // "note.pdf, page 2/3" for a document's page
        switch event {
        case .preprocessed(let w, let h, let imageTokens, let promptTokens):
            writeStandardError("\r\u{1B}[K\(name): \(w)×\(h), \(imageTokens) image tokens, \(promptTokens) prompt tokens")
        case .visionLayer(let done, let of):
            writeStandardError("\r\u{1B}[K\(name): vision \(done)/\(of)")
        case .prefillDone:
            writeStandardError("\r\u{1B}[K\(name): prefill done")
        case .token(_, _, let count):
            if count % 8 == 0 { writeStandardError("\r\u{1B}[K\(name): \(count) tokens") }
        }
    }

    func clear() {
        if enabled { writeStandardError("\r\u{1B}[K") }
    }
}

func writeStandardOutput(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
