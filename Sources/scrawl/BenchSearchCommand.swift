import ArgumentParser
import Catalog
import Foundation

/// `scrawl bench-search`: search latency over a large synthetic catalog (a benchmark, not a test).
struct BenchSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-search",
        abstract: "Measures search latency on synthetic notes.",
        discussion: """
            Builds (or reuses) a catalog of deterministic, multi-language handwriting-like notes, then times \
            one- and two-word searches (limit 20, with snippets) and prints p50/p99. Use a release build.

            Example:
              swift build -c release --product scrawl
              .build/release/scrawl bench-search --notes 100000 --queries 500 --db /tmp/bench-catalog.sqlite
            """,
        shouldDisplay: false
    )

    @Option(name: .long, help: "How many notes to index.")
    var notes = 100_000

    @Option(name: .long, help: "How many queries of each kind to time.")
    var queries = 500

    @Option(name: .long, help: ArgumentHelp("The catalog file to build (rebuilt unless --reuse).", valueName: "file"))
    var db = FileManager.default.temporaryDirectory.appendingPathComponent("scrawl-bench-search.sqlite").path

    @Flag(name: .long, help: "Reuse an existing catalog at --db with the right number of notes.")
    var reuse = false

    @Option(name: .long, help: "Generator seed.")
    var seed: UInt64 = 42

    func run() throws {
        try prepareCatalog()
        // Queries go through a read-only connection, as `scrawl search` opens one.
        let catalog = try Catalog(path: db, readOnly: true)
        var generator = SyntheticNotes(seed: seed &+ 1)
        var oneWord: [String] = []
        var twoWords: [String] = []
        for _ in 0..<queries {
            let words = SyntheticNotes.languages[generator.below(SyntheticNotes.languages.count)]
            oneWord.append(generator.pick(words))
            twoWords.append(generator.pick(words) + " " + generator.pick(words))
        }
        // Warm the page cache and statement paths once.
        for query in oneWord.prefix(20) { _ = try catalog.search(SearchQuery(text: query)) }
        print("queries: \(queries) per kind, limit 20, snippets on; wall and CPU time per query")
        for (label, list) in [("one word", oneWord), ("two words", twoWords), ("prefix*", oneWord.map { String($0.prefix(3)) + "*" })] {
            var wall: [Double] = []
            var cpu: [Double] = []
            var hits = 0
            for query in list {
                let start = DispatchTime.now().uptimeNanoseconds
                let cpuStart = Self.threadCPUMs()
                hits += try catalog.search(SearchQuery(text: query)).count
                cpu.append(Self.threadCPUMs() - cpuStart)
                wall.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            let name = label.padding(toLength: 10, withPad: " ", startingAt: 0)
            print(name + String(format: " wall p50 %7.3f ms  p99 %7.3f ms | cpu p50 %7.3f ms  p99 %7.3f ms | mean hits %.1f",
                                Self.percentile(wall, 0.50), Self.percentile(wall, 0.99),
                                Self.percentile(cpu, 0.50), Self.percentile(cpu, 0.99), Double(hits) / Double(list.count)))
        }
    }

    static func percentile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))]
    }

    /// CPU time of this thread: unlike wall time, not inflated by other processes on a busy machine.
    static func threadCPUMs() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
    }

    private func prepareCatalog() throws {
        if reuse, FileManager.default.fileExists(atPath: db) {
            let catalog = try Catalog(path: db)
            let existing = try catalog.status(recentFailures: 0).searchable
            if existing == notes {
                print("reusing \(db): \(existing) notes")
                return
            }
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        let catalog = try Catalog(path: db)
        var generator = SyntheticNotes(seed: seed)
        let start = Date()
        var textBytes = 0
        let batch = 5_000
        for first in stride(from: 0, to: notes, by: batch) {
            var scans: [(scan: ScanCandidate, result: ReadResult)] = []
            for i in first..<min(notes, first + batch) {
                let text = generator.note()
                textBytes += text.utf8.count
                let model = i % 5 == 0 ? "aya" : "qwen"
                let scan = ScanCandidate(path: "/srv/scans/\(2020 + i % 7)/\(i % 12 + 1)/note-\(i).jpg",
                                         sha256: String(format: "%064x", i), bytes: 250_000, mtime: 0, format: "jpeg",
                                         inbox: "/srv/scans", model: model, prompt: "OCR the Image", maxTokens: 1024)
                let result = ReadResult(text: text, model: model == "aya" ? "aya-vision" : "qwen2-vl",
                                        checkpoint: "/var/lib/scrawl/models/x", configHash: "0", prompt: scan.prompt,
                                        tokens: text.count / 3, finishReason: "eos", width: 1000, height: 1400)
                scans.append((scan, result))
            }
            try catalog.recordReadScans(scans)
        }
        let size = ["", "-wal"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: db + suffix)[.size] as? NSNumber)?.intValue ?? 0)
        }
        print(String(format: "indexed %d notes (%.1f MB of text) in %.1f s; catalog %.1f MB at %@",
                     notes, Double(textBytes) / 1e6, Date().timeIntervalSince(start), Double(size) / 1e6, db as NSString))
    }
}
