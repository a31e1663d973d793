import ArgumentParser
import Catalog
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Searches the text read from the scans.",
        discussion: """
            QUERY uses SQLite FTS5 syntax: words (all must match), "a phrase", prefix*, \
            AND / OR / NOT, NEAR(word1 word2, 10). Accents do not matter (zurich finds Zürich). \
            Text that is not valid syntax (don't, C++) is searched as plain words.
            Exit status: 0 when something matched, 1 when nothing did, 2 on an error.

            Examples:
              scrawl search 'invoice zurich'
              scrawl search '"total amount" OR rechn*' --since 7d --folder /srv/scans/2026
              scrawl search milk --model aya --json --limit 5
            """
    )

    @Argument(help: "What to look for.")
    var query: [String]

    @Flag(name: .long, help: "Print the hits as a JSON array.")
    var json = false

    @Option(name: .long, help: "At most this many hits.")
    var limit = 20

    @Option(name: .long, help: ArgumentHelp("Only scans in this folder or below.", valueName: "dir"))
    var folder: String?

    @Option(name: .long, help: ArgumentHelp("Only scans read by this model: qwen or aya.", valueName: "model"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("Only scans read since then: 2026-11-01, 2026-11-01T08:30:00Z, 7d, 24h.",
                                            valueName: "date"))
    var since: String?

    @OptionGroup var options: CatalogOptions

    func run() throws {
        let hits: [SearchHit]
        do {
            hits = try search()
        } catch {
            printToStandardError("scrawl search: \(error)")
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(hits), as: UTF8.self))
        } else {
            printHits(hits)
        }
        if hits.isEmpty { throw ExitCode(1) }
    }

    private func search() throws -> [SearchHit] {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        if let model, !["qwen", "aya"].contains(model) {
            throw ValidationError("--model must be qwen or aya, not '\(model)'")
        }
        let text = query.joined(separator: " ")
        let sinceDate = try since.map { try SinceDate.parse($0) }
        let catalog = try options.openCatalog(readOnly: true)
        return try catalog.search(SearchQuery(text: text, limit: limit, folder: folder.map(absoluteScanPath),
                                              model: model, since: sinceDate))
    }

    private func printHits(_ hits: [SearchHit]) {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        for hit in hits {
            let page = hit.pageCount > 1 ? ", page \(hit.page)" : ""
            print("\(hit.path)\(page)  (\(hit.model), \(formatter.string(from: hit.createdAt)))")
            let snippet = hit.snippet.split(whereSeparator: \.isNewline).joined(separator: " ")
            print("    \(snippet)")
        }
    }
}
