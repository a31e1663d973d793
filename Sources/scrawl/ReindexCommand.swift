import ArgumentParser
import Catalog
import Daemon
import Foundation
import Logging

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuilds the full-text index from the catalog's documents.",
        discussion: """
            Nothing is read again: the index is rebuilt from the text already in the catalog, into a \
            new table in batches of \(Catalog.reindexBatch) documents (each its own short write), then \
            swapped in. Safe while the daemon runs: its commits go on between batches, and what it \
            records meanwhile is in the new index.

            --from-sidecars rebuilds a lost catalog from the JSON sidecars first: every scan whose \
            sidecar holds a text read from exactly its bytes is recorded as read (no model run, and \
            the daemon's next start does not even hash it); the others are read by the daemon as new.

            Examples:
              scrawl reindex --config /etc/scrawl/scrawl.toml
              scrawl reindex --from-sidecars --config /etc/scrawl/scrawl.toml
            """
    )

    @Flag(name: .customLong("from-sidecars"),
          help: "Record the scans of every inbox from their JSON sidecars first (a lost or new catalog; created when missing).")
    var fromSidecars = false

    @OptionGroup var options: CatalogOptions

    func run() throws {
        do {
            let start = Date()
            let catalog: Catalog
            if fromSidecars {
                let config = try options.loadConfig()
                catalog = try Catalog(path: config.catalogPath)
                let logger = Logger(label: "scrawl") { StreamLogHandler.standardError(label: $0) }
                let summary = try SidecarImport(config: config, catalog: catalog, logger: logger).run()
                print("recorded \(summary.imported) scan\(summary.imported == 1 ? "" : "s") from their sidecars "
                      + "(\(summary.known) already in the catalog, \(summary.skipped) without a matching sidecar: the daemon reads those)")
            } else {
                catalog = try options.openCatalog(readOnly: false)
            }
            let count = try catalog.reindex()
            print("indexed \(count) scan\(count == 1 ? "" : "s") in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
        } catch {
            printToStandardError("scrawl reindex: \(error)")
            throw ExitCode.failure
        }
    }
}
