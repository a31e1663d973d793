import ArgumentParser
import Catalog
import Foundation

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuilds the full-text index from the catalog's documents.",
        discussion: """
            Nothing is read again: the index is rebuilt from the text already in the catalog, into a \
            new table in batches of \(Catalog.reindexBatch) documents (each its own short write), then \
            swapped in. Safe while the daemon runs: its commits go on between batches, and what it \
            records meanwhile is in the new index.

            Example:
              scrawl reindex --config /etc/scrawl/scrawl.toml
            """
    )

    @OptionGroup var options: CatalogOptions

    func run() throws {
        do {
            let catalog = try options.openCatalog(readOnly: false)
            let start = Date()
            let count = try catalog.reindex()
            print("indexed \(count) scan\(count == 1 ? "" : "s") in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        } catch {
            printToStandardError("scrawl reindex: \(error)")
            throw ExitCode.failure
        }
    }
}
