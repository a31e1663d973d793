import ArgumentParser
import Catalog
import Daemon
import Foundation
import Logging

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queues scans to be read again.",
        discussion: """
            A failed scan is read again only when its bytes change or when asked here. \
            A scan that was read fine can be queued again too (to read it with a changed prompt or model): \
            each is read with its folder's model, prompt and max_tokens as the configuration and the \
            folder tags say now. The running daemon picks the jobs up from the catalog.

            Examples:
              scrawl retry /srv/scans/2026/receipt-14.jpg
              scrawl retry --failed
            """
    )

    @Argument(help: "Scans to read again.")
    var paths: [String] = []

    @Flag(name: .long, help: "Every scan whose last read failed.")
    var failed = false

    @OptionGroup var options: CatalogOptions

    func validate() throws {
        if paths.isEmpty && !failed { throw ValidationError("name the scans to retry, or pass --failed") }
        if !paths.isEmpty && failed { throw ValidationError("pass either paths or --failed, not both") }
    }

    func run() throws {
        do {
            let catalog = try options.openCatalog(readOnly: false)
            let config = try options.loadConfig()
            let tags = FolderTagResolver(logger: Logger(label: "scrawl"), models: config.models.names)
            let settings = { (path: String) -> ReadSettings? in
                config.readSettings(forScan: path, tags: tags).map {
                    ReadSettings(model: $0.model.rawValue, prompt: $0.prompt, maxTokens: $0.maxTokens, maxPages: $0.maxPages,
                                 pdfText: $0.pdfText)
                }
            }
            if failed {
                let count = try catalog.retryFailed(settings: settings)
                print("queued \(count) failed scan\(count == 1 ? "" : "s")")
                return
            }
            var missed = 0
            for path in paths.map(absoluteScanPath) {
                if try catalog.retry(path: path, settings: settings(path)) {
                    print("queued \(path)")
                } else {
                    missed += 1
                    printToStandardError("scrawl retry: \(path) was not queued: it is not in the catalog, its file was removed, or it is already queued")
                }
            }
            if missed > 0 { throw ExitCode.failure }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printToStandardError("scrawl retry: \(error)")
            throw ExitCode.failure
        }
    }
}
