import ArgumentParser
import Foundation

@main
struct Scrawl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrawl",
        abstract: "Reads handwritten notes dropped into inbox folders and makes them searchable.",
        discussion: """
            Start with `scrawl serve --help` (the daemon), `scrawl ocr --help` (read images now) \
            and `scrawl search --help`. Configuration: /etc/scrawl/scrawl.toml (README.md).
            """,
        subcommands: [ServeCommand.self, SearchCommand.self, StatusCommand.self, RetryCommand.self, ReindexCommand.self, BenchSearchCommand.self, ModelsCommand.self, OCRCommand.self, BenchCommand.self]
    )

    /// A usage error (unknown flag, bad value) exits 2, grep's habit, which `scrawl search`
    /// documents — not ArgumentParser's 64. Everything else is ArgumentParser's default.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error).rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
