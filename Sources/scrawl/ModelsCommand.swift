import ArgumentParser
import Daemon
import Foundation
import Inference

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Lists, checks and downloads the model checkpoints.",
        discussion: """
            Examples:
              scrawl models list
              scrawl models pull qwen
              HF_TOKEN=hf_… scrawl models pull aya --revision main
              scrawl models verify qwen
            """,
        subcommands: [List.self, Verify.self, Pull.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shows the configured models, where they are, whether they are present and their size.",
            discussion: "Example:\n  scrawl models list --config /etc/scrawl/scrawl.toml")

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        @OptionGroup var options: CatalogOptions

        func run() throws {
            let entries: [ModelListing]
            do {
                entries = ModelListing.entries(for: try options.loadConfig().models)
            } catch {
                printToStandardError("scrawl models list: \(error)")
                throw ExitCode.failure
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(entries), as: UTF8.self))
                return
            }
            for entry in entries {
                if let endpoint = entry.endpoint {
                    print("\(entry.name.padding(toLength: 5, withPad: " ", startingAt: 0)) \(entry.repository)")
                    print("      remote: \(endpoint)")
                    continue
                }
                let state = entry.present ? "present, \(Self.size(entry.bytes))" : "missing (scrawl models pull \(entry.name))"
                print("\(entry.name.padding(toLength: 5, withPad: " ", startingAt: 0)) \(entry.repository)")
                print("      \(entry.path): \(state)" + (entry.revision.map { ", revision \($0.prefix(12))" } ?? ""))
                if let cached = entry.cachedCopy {
                    print("      a complete copy is in the Hugging Face cache: \(cached) (scrawl models pull \(entry.name) says how to use it)")
                }
            }
        }

        static func size(_ bytes: Int64) -> String { String(format: "%.2f GB", Double(bytes) / 1e9) }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checks that checkpoints will load, and says what was found: tokenizer and template files, dtypes, prompt size.",
            discussion: """
                Without arguments, checks every configured model: config.json, the safetensors headers and \
                index, sizes and SHA-256 against the manifest written by pull (when there is one); then loads the \
                folder as the daemon would (weights mapped, not read) and reports the tokenizer's files, the chat \
                template's file (rendered for a default scan), the weight dtypes, the tensor-name layout, the shards, \
                and the prompt length a default scan (an A4 page at 300 dpi) gets.
                Examples:
                  scrawl models verify
                  scrawl models verify aya --no-checksums
                  scrawl models verify /srv/checkpoints/qwen2-vl-ocr-2b
                """)

        @Argument(help: "Folders, or qwen / aya for the configured ones.")
        var models: [String] = []

        @Flag(name: .customLong("no-checksums"), help: "Check sizes only (skip hashing gigabytes).")
        var noChecksums = false

        @OptionGroup var options: CatalogOptions

        func run() throws {
            let folders: [String]
            do {
                let registry = try options.loadConfig().models
                let names = models.isEmpty ? registry.all.filter { $0.checkpointPath != nil }.map(\.name.rawValue) : models
                folders = try names.map { name in
                    guard let spec = registry.spec(named: name) else { return absoluteScanPath(name) }
                    guard let path = spec.checkpointPath else {
                        throw ValidationError("\(name) is a remote model (\(spec.remote?.displayURL ?? "")): there is no checkpoint here to verify")
                    }
                    return path
                }
            } catch {
                printToStandardError("scrawl models verify: \(error)")
                throw ExitCode.failure
            }
            var failed = false
            let scan = OCRRequest(maxNewTokens: 1024, maxPixels: OCRCommand.defaultMaxPixels)
            for folder in folders {
                let report = ModelVerifier(checksums: !noChecksums, scanRequest: scan).verify(folder)
                if report.ok {
                    print("ok      \(folder): \(report.tensors) tensors in \(report.shards.count) shard(s), "
                          + String(format: "%.2f GB", Double(report.bytes) / 1e9)
                          + (report.manifestFiles > 0 ? ", \(report.manifestFiles) files match the manifest" : ", no manifest"))
                    if let summary = report.summary { Self.describe(summary, cost: report.scanCost) }
                } else {
                    failed = true
                    print("FAILED  \(folder)")
                    for problem in report.problems { print("        \(problem)") }
                }
            }
            if failed { throw ExitCode.failure }
        }

        static func describe(_ summary: CheckpointSummary, cost: PromptCost?) {
            let dtypes = summary.weightDTypes.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            print("        model_type \(summary.modelType)" + (summary.contextLength.map { ", context \($0) tokens" } ?? ""))
            print("        tokenizer: \(summary.tokenizerSource)")
            print("        chat template: \(summary.templateSource) (renders)")
            print("        weights: \(dtypes) in \(summary.weightFiles.joined(separator: ", "))")
            print("        tensor names: \(summary.tensorNameLayout)")
            if let cost {
                print("        a default scan (\(cost.width)×\(cost.height), A4 at 300 dpi, max_pixels \(OCRCommand.defaultMaxPixels)): "
                      + "\(cost.processedWidth)×\(cost.processedHeight) px → \(cost.imageTokens) image tokens, \(cost.promptTokens) prompt tokens")
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Downloads a checkpoint from the Hugging Face hub (or uses one already in its cache).",
            discussion: """
                qwen = prithivMLmods/Qwen2-VL-OCR-2B-Instruct, aya = CohereForAI/aya-vision-8b (gated: \
                accept its licence on the hub and set HF_TOKEN). A complete copy in the Hugging Face cache \
                ($HF_HOME/hub, default ~/.cache/huggingface) is used in place. Otherwise files are fetched \
                from $HF_ENDPOINT (default https://huggingface.co) into --dest (default: the configured \
                folder), resuming interrupted downloads and checking SHA-256.
                Examples:
                  scrawl models pull qwen
                  HF_TOKEN=hf_… scrawl models pull aya
                  scrawl models pull org/model --revision 3f1c2ab --dest /srv/models/other
                """)

        @Argument(help: "qwen, aya or ORG/NAME.")
        var model: String

        @Option(name: .long, help: "Branch, tag or commit.")
        var revision = "main"

        @Option(name: .long, help: ArgumentHelp("Where to put the files.", valueName: "dir"))
        var dest: String?

        @Flag(name: .customLong("no-cache"), help: "Download even when the Hugging Face cache has a copy.")
        var noCache = false

        @OptionGroup var options: CatalogOptions

        func run() throws {
            do {
                let config = try options.loadConfig()
                let repo = try ModelRepository(model)
                let destination = dest.map(absoluteScanPath)
                    ?? repo.alias.flatMap { config.models.spec(named: $0)?.checkpointPath }
                    ?? config.stateDir + "/models/" + repo.folderName
                var puller = ModelPuller()
                puller.useCache = !noCache
                switch try puller.pull(repo, revision: revision, into: destination) {
                case .foundInCache(let path):
                    print("\(repo.id): a complete copy is in the Hugging Face cache: \(path)")
                    if let alias = repo.alias, destination != path {
                        print("use it in place by setting, in \(config.sourcePath ?? ScrawlConfig.defaultPath):")
                        print("  [models]\n  \(alias) = \"\(path)\"")
                        print("(the daemon's user must be able to read it; or pass --no-cache to download into \(destination))")
                    }
                case .downloaded(let path, let files, let bytes):
                    print("\(repo.id) → \(path): \(files) files, \(String(format: "%.2f GB", Double(bytes) / 1e9)) downloaded")
                    let report = ModelVerifier(checksums: false).verify(path)
                    if !report.ok {
                        for problem in report.problems { printToStandardError("scrawl models pull: \(problem)") }
                        throw ExitCode.failure
                    }
                    print("verified: \(report.tensors) tensors in \(report.shards.count) shard(s)")
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printToStandardError("scrawl models pull: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
