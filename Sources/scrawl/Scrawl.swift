import ArgumentParser

@main
struct Scrawl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrawl",
        abstract: "Reads handwritten notes dropped into inbox folders and makes them searchable.",
        subcommands: [ServeCommand.self, SearchCommand.self, StatusCommand.self, RetryCommand.self, ReindexCommand.self, BenchSearchCommand.self, ModelsCommand.self, OCRCommand.self, BenchCommand.self]
    )
}
