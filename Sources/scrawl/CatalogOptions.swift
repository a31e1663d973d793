import ArgumentParser
import Catalog
import Daemon
import Foundation

/// `--config` / `--state-dir`, shared by the commands that read or write the catalog.
struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("The state directory holding catalog.sqlite (overrides the config; default /var/lib/scrawl).",
                               valueName: "dir"))
    var stateDir: String?

    func loadConfig() throws -> ScrawlConfig {
        var loaded = try ScrawlConfig.load(path: config, explicit: config != nil)
        if let stateDir { loaded.setStateDir(URL(fileURLWithPath: stateDir).standardizedFileURL.path) }
        return loaded
    }

    /// Opens the daemon's catalog. Never creates one: a missing file is an error naming the path.
    func openCatalog(readOnly: Bool) throws -> Catalog {
        let path = try loadConfig().catalogPath
        guard FileManager.default.fileExists(atPath: path) else { throw CatalogError.missingCatalog(path: path) }
        return try Catalog(path: path, readOnly: readOnly)
    }
}

/// One line on standard error (messages for people; stdout stays for results).
func printToStandardError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// An absolute, standardised path as the daemon records it ("notes/a.jpg" → "/home/me/notes/a.jpg").
func absoluteScanPath(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
}
