import ArgumentParser
import Foundation
import Imaging
import Inference
import Kernels

/// `scrawl bench`: times one image end to end, phase by phase.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Times reading one image: decode, vision, prefill, decode speed, peak memory.",
        discussion: """
            Decode tokens/s counts forward passes after the first token (the first comes from the prefill). \
            With --ignore-eos, end-of-sequence tokens are masked so exactly --max-tokens tokens are made \
            (and the repetition-loop guard is off). kernel_isa: the kernels in use (SCRAWL_KERNEL_ISA=avx512bf16|avx2|portable \
            overrides the probe); gemm: the packed GEMM kernel 16-bit weights use and the measured vdpbf16ps rate that chose it \
            (SCRAWL_BF16_PRODUCTS=1|0 overrides). mem_bw_gb_s: a streaming read measured after the run (best of five passes of each of two access patterns); decode_bound_tok_s: that \
            bandwidth over the bytes one decode step reads (every language weight once), decode_of_bound: decode \
            tokens/s as a fraction of it; vision_gflop_s: the ViT blocks' FLOPs over vision_ms. An untimed warm-up read of a 56×56 image pages the \
            weights in first (--no-warmup skips it). *_cpu_ms: process CPU time per phase, for a shared machine.

            Example:
              scrawl bench --model bench/qwen2vl-2b-random --image page.png --max-tokens 32 --ignore-eos
            """
    )

    @Option(name: .long, help: ArgumentHelp("Checkpoint directory, or qwen / aya.", valueName: "dir|qwen|aya"))
    var model: String

    @Option(name: .long, help: ArgumentHelp("The image to read.", valueName: "path"))
    var image: String

    @Option(name: .long, help: ArgumentHelp("Tokens to generate.", valueName: "n"))
    var maxTokens = 32

    @Flag(name: .long, help: "Do not stop at end-of-sequence tokens.")
    var ignoreEos = false

    @Option(name: .long, help: ArgumentHelp("Pixel budget (default 1003520, as scrawl ocr).", valueName: "n"))
    var maxPixels = OCRCommand.defaultMaxPixels

    @Option(name: .long, help: "The instruction given with the image.")
    var prompt = OCRRequest.defaultPrompt

    @OptionGroup var options: ModelOptions

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    @Flag(name: .long, help: "Skip the untimed warm-up read of a 56×56 image (which pages the weights in).")
    var noWarmup = false

    @Option(name: .customLong("dump-logits"), help: ArgumentHelp(
        "Write every step's raw logits and the token that followed to this file (LogitDump format).", valueName: "file"))
    var dumpLogits: String?

    @Option(name: .customLong("forced-tokens"), help: ArgumentHelp(
        "Teacher forcing: feed the tokens of this logit dump instead of picking (with --dump-logits: compare weight formats).",
        valueName: "file"))
    var forcedTokens: String?

    func run() throws {
        var clock = ContinuousClock.now
        func lap() -> Double {
            let now = ContinuousClock.now
            defer { clock = now }
            let d = now - clock
            return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        }
        let engine: any CheckpointEngine
        do {
            engine = try EngineOpener.open(checkpoint: options.checkpoint(for: model), weights: options.weightLoading())
        } catch {
            writeStandardError("scrawl bench: \(error)\n")
            throw ExitCode(2)
        }
        let loadMs = lap()
        var warmupMs = 0.0
        if !noWarmup {
            let blank = RGBImage(width: 56, height: 56, pixels: [UInt8](repeating: 200, count: 56 * 56 * 3))
            _ = try? engine.read(blank, request: OCRRequest(prompt: prompt, maxNewTokens: 2, greedy: true)) { _ in }
            warmupMs = lap()
        }
        let decoded: DecodedImage
        do {
            decoded = try ImageDecoder.decode(fileAt: image)
        } catch {
            writeStandardError("scrawl bench: \(image): \(error)\n")
            throw ExitCode(1)
        }
        let decodeMs = lap()
        if let forcedTokens {
            try runForced(engine, image: decoded.image, tokensFrom: forcedTokens)
            return
        }
        let request = OCRRequest(prompt: prompt, maxNewTokens: maxTokens, maxPixels: maxPixels, greedy: true,
                                 ignoreEOS: ignoreEos)
        let progress = ProgressLine(enabled: isatty(STDERR_FILENO) == 1)
        let cpu = PhaseCPUTime()
        let result: OCRResult
        let dump = try dumpLogits.map { try LogitDump.Writer(path: $0) }
        do {
            let onEvent = { (event: OCREvent) in
                progress.show(event, path: image)
                cpu.mark(event)
            }
            if let dump, let inspect = engine as? any EngineInspection {
                result = try inspect.read(decoded.image, request: request, onEvent: onEvent) { try? dump.append($0) }
                try dump.finish(tokens: result.tokens)
            } else {
                result = try engine.read(decoded.image, request: request, onEvent: onEvent)
            }
        } catch {
            progress.clear()
            writeStandardError("scrawl bench: \(image): \(error)\n")
            throw ExitCode(1)
        }
        progress.clear()
        let t = result.timings
        let imageTokens = cpu.imageTokens
        let steps = max(0, result.tokens.count - 1)
        let peakRSS = Double(PeakMemory.vmHWMKiB() ?? 0) / 1024  // before the bandwidth probe's buffer
        let decodeTokS = Double(steps) / max(t.generateMs, 1e-9) * 1000
        let bandwidth = MemoryBandwidth.measure()
        let workload = try? BenchWorkload(checkpoint: engine.checkpointPath)
        let int8 = (engine as? any EngineInspection)?.int8Cache
        let decodeBytes = workload.map { int8 == nil ? $0.decodeBytesPerToken : $0.decodeBytesPerTokenQ8 } ?? 0
        let decodeBound = bandwidth / Double(max(decodeBytes, 1))
        let visionFLOPs = workload?.visionFLOPs(imageTokens: imageTokens)
        let report: [(String, Any)] = [
            ("model", engine.checkpointPath),
            ("threads", Parallel.threadCount),
            ("openblas_core", BLAS.coreName),
            ("kernel_isa", KernelISA.report),
            ("gemm", PackedGEMM.report),
            ("weights", int8.map { "int8 (\($0.built ? "quantized now" : "from cache") \($0.file)\($0.note.map { "; " + $0 } ?? ""))" }
                ?? "checkpoint"),
            ("load_ms", loadMs),
            ("warmup_ms", warmupMs),
            ("image_decode_ms", decodeMs),
            ("image", "\(decoded.image.width)x\(decoded.image.height) -> \(result.processedWidth)x\(result.processedHeight)"),
            ("image_tokens", imageTokens),
            ("preprocess_ms", t.preprocessMs),
            ("vision_ms", t.visionMs),
            ("prefill_tokens", result.promptTokens),
            ("prefill_ms", t.prefillMs),
            ("prefill_tok_s", Double(result.promptTokens) / max(t.prefillMs, 1e-9) * 1000),
            ("generated_tokens", result.tokens.count),
            ("decode_steps", steps),
            ("decode_ms", t.generateMs),
            ("decode_tok_s", decodeTokS),
            ("finish_reason", result.finishReason.rawValue),
            ("total_ms", t.totalMs + decodeMs),
            ("vision_cpu_ms", cpu.visionMs),
            ("prefill_cpu_ms", cpu.prefillMs),
            ("decode_cpu_ms", cpu.decodeMs),
            ("peak_rss_mib", peakRSS),
            ("mem_bw_gb_s", bandwidth / 1e9),
            ("decode_gb_per_tok", Double(decodeBytes) / 1e9),
            ("decode_bound_tok_s", workload == nil ? 0 : decodeBound),
            ("decode_of_bound", workload == nil ? 0 : decodeTokS / decodeBound),
            ("vision_gflop", (visionFLOPs ?? 0) / 1e9),
            ("vision_gflop_s", (visionFLOPs ?? 0) / max(t.visionMs, 1e-9) / 1e6),
        ]
        if json {
            let object = Dictionary(uniqueKeysWithValues: report.map { ($0.0, $0.1) })
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            writeStandardOutput(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            for (key, value) in report {
                let text: String
                if let d = value as? Double { text = String(format: d < 10 ? "%.3f" : "%.1f", d) } else { text = "\(value)" }
                writeStandardOutput(key.padding(toLength: 20, withPad: " ", startingAt: 0) + text + "\n")
            }
        }
    }
}

extension BenchCommand {
    /// Teacher-forced run: the dump's tokens fed one by one, logits written with --dump-logits.
    func runForced(_ engine: any OCREngine, image: RGBImage, tokensFrom path: String) throws {
        guard let inspect = engine as? any EngineInspection else {
            writeStandardError("scrawl bench: this engine cannot be teacher-forced\n")
            throw ExitCode(2)
        }
        let tokens = try LogitDump.tokens(path: path)
        let dump = try dumpLogits.map { try LogitDump.Writer(path: $0) }
        let forced = Array(tokens.dropLast())  // the last pick has no step after it
        let request = OCRRequest(prompt: prompt, maxNewTokens: forced.count, maxPixels: maxPixels, greedy: true, ignoreEOS: true)
        var agree = 0, steps = 0
        try inspect.forcedLogits(image, request: request, forced: forced) { step, logits in
            try? dump?.append(logits)
            let top = logits.indices.max { logits[$0] < logits[$1] } ?? -1
            if top == tokens[step] { agree += 1 }
            steps += 1
        }
        try dump?.finish(tokens: tokens)
        writeStandardOutput("forced_steps        \(steps)\ntop1_agreement      \(String(format: "%.4f", Double(agree) / Double(max(steps, 1))))\n")
    }
}

/// Process CPU time (user + system, all threads) spent in each phase, from the engine's events: with
/// other work on the machine, CPU time shows the engine's own cost where wall time cannot.
final class PhaseCPUTime {
    private var preprocessed = 0.0, visionDone = 0.0, prefillDone = 0.0, lastToken = 0.0
    /// Image tokens the engine reported after preprocessing.
    private(set) var imageTokens = 0

    static func now() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func ms(_ t: timeval) -> Double { Double(t.tv_sec) * 1000 + Double(t.tv_usec) / 1000 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }

    func mark(_ event: OCREvent) {
        switch event {
        case .preprocessed(_, _, let tokens, _):
            preprocessed = Self.now()
            imageTokens = tokens
        case .visionLayer(let done, let of) where done == of: visionDone = Self.now()
        case .prefillDone: prefillDone = Self.now()
        case .token: lastToken = Self.now()
        default: break
        }
    }

    /// Vision ends after the last ViT block (the small merger counts in prefill); decode spans first to last token.
    var visionMs: Double { max(0, visionDone - preprocessed) }
    var prefillMs: Double { max(0, prefillDone - visionDone) }
    var decodeMs: Double { max(0, lastToken - prefillDone) }
}

/// Peak resident memory of this process.
enum PeakMemory {
    /// VmHWM from /proc/self/status, in KiB (nil where there is no /proc).
    static func vmHWMKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // "VmHWM:\t 4615400 kB"; from 10 GB on the tab is the only separator ("VmHWM:\t17383100 kB").
            return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
        }
        return nil
    }
}
