import Glibc

/// A helper program a document format is decoded with (poppler-utils for PDF, libheif-examples for
/// HEIF), run as a limited child process (ChildProcess) over a ChildInputFile, and its ending turned
/// into the page's typed error. One place for both, so a PDF and a HEIC that kill their renderer
/// read the same way in a sidecar.
struct HelperProgram {
    let name: String
    /// The Debian package that ships it, named in the error when it is missing.
    let package: String
    let format: ImageFormat

    /// Runs the program with `file` as its stdin under `limits` (the wall clock and address space
    /// from `imageLimits`, output capped at `maxOutput`, files it writes at `maxFileBytes`).
    func run(_ arguments: [String], _ file: ChildInputFile, imageLimits: ImageLimits, maxOutput: Int,
             maxFileBytes: Int? = nil) throws(ImageDecodeError) -> ChildProcess.Outcome {
        let limits = ChildProcess.Limits(seconds: imageLimits.renderSeconds, memoryBytes: imageLimits.renderMemoryBytes,
                                         maxOutputBytes: maxOutput, maxFileBytes: maxFileBytes)
        return try file.withDescriptor { (fd) throws(ImageDecodeError) -> ChildProcess.Outcome in
            do throws(ChildProcess.Failure) {
                return try ChildProcess.run(name, arguments, input: fd, limits: limits)
            } catch {
                switch error {
                case .missing(let missing):
                    throw .missingProgram(program: missing, package: missing == "prlimit" ? "util-linux" : package)
                case .system(let reason):
                    throw .damaged(format: format, detail: "cannot start \(name): \(reason)")
                }
            }
        }
    }

    /// Maps the child's ending to the outcome for `what` ("page 3", "the image"): its stdout when
    /// it exited 0, else a limit or damage error that names the program and quotes its first error lines.
    func interpret(_ outcome: ChildProcess.Outcome, what: String, limits: ImageLimits) throws(ImageDecodeError) -> [UInt8] {
        let stderr = outcome.stderr
        let memory = "\(limits.renderMemoryBytes >> 20) MiB"
        let program = name
        switch outcome.ending {
        case .exited(0):
            return outcome.stdout
        case .timedOut:
            throw .limitExceeded(format: format, detail: "\(program) took longer than \(limits.renderSeconds) s on \(what) and was killed")
        case .outputTooLarge, .signalled(SIGXFSZ):
            throw .limitExceeded(format: format, detail: "\(program) wrote more output than \(what) can have and was killed")
        case .signalled(SIGXCPU), .signalled(SIGKILL):
            throw .limitExceeded(format: format, detail: "\(program) used more than \(limits.renderSeconds) s of CPU time on \(what)")
        case .signalled(let signal) where stderr.contains("bad_alloc") || signal == SIGABRT && stderr.contains("memory"):
            throw .limitExceeded(format: format, detail: "\(program) ran out of its \(memory) of memory on \(what) (signal \(signal))")
        case .signalled(let signal):
            throw .damaged(format: format, detail: "\(program) crashed on \(what) (signal \(signal))\(Self.summary(stderr))")
        case .exited(let code):
            let lower = stderr.lowercased()
            if lower.contains("out of memory") || stderr.contains("bad_alloc") || lower.contains("cannot allocate memory") {
                throw .limitExceeded(format: format, detail: "\(program) ran out of its \(memory) of memory on \(what)")
            }
            throw .damaged(format: format, detail: "\(program) could not read \(what) (exit \(code))\(Self.summary(stderr))")
        }
    }

    /// The program's first error lines, short.
    static func summary(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").filter { $0.contains("Error") || $0.contains("error") || $0.contains("Could not") }
        let chosen = (lines.isEmpty ? Array(stderr.split(separator: "\n").prefix(1)) : Array(lines.prefix(2))).joined(separator: "; ")
        return chosen.isEmpty ? "" : ": " + String(chosen.prefix(300))
    }
}
