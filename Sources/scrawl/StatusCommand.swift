import ArgumentParser
import Catalog
import Daemon
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Shows whether the daemon runs, the queue, the scan being read, what it waits for and recent failures.",
        discussion: """
            Reads the catalog only; safe while the daemon runs.

            Examples:
              scrawl status
              scrawl status --json --failures 20
            """
    )

    @Flag(name: .long, help: "Print the status as JSON.")
    var json = false

    @Option(name: .long, help: "How many recent failures to list.")
    var failures = 10

    @OptionGroup var options: CatalogOptions

    func run() throws {
        let status: CatalogStatus
        let daemon: DaemonState
        do {
            let config = try options.loadConfig()
            let holder = InstanceLock.holder(stateDir: config.stateDir)
            daemon = DaemonState(running: holder?.running, pid: holder?.pid)
            status = try options.openCatalog(readOnly: true).status(recentFailures: max(0, failures))
        } catch {
            printToStandardError("scrawl status: \(error)")
            throw ExitCode.failure
        }
        let now = Date()
        if json {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(StatusReport(status: status, daemon: daemon, now: now)), as: UTF8.self))
            return
        }
        let counts = JobState.allCases.filter { $0 != .cancelled || status.count($0) > 0 }
            .map { "\(status.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        switch (daemon.running, daemon.pid) {
        case (true?, let pid?): print("daemon: running (pid \(pid))")
        case (true?, nil): print("daemon: running")
        case (false?, _): print("daemon: not running")
        case (nil, _): print("daemon: unknown (the lock file in the state directory cannot be opened)")
        }
        print("queue: \(counts)")
        print("searchable scans: \(status.searchable), failed scans: \(status.failedDocuments)")
        for job in status.running {
            let page = job.pageCount > 1 ? "page \(job.page)/\(job.pageCount), " : ""
            print("reading: \(job.path) (\(job.model)) — \(page)\(job.tokens) tokens, \(Self.duration(now.timeIntervalSince(job.startedAt)))"
                + (job.attempts > 1 ? ", attempt \(job.attempts)" : ""))
        }
        if status.running.isEmpty { print("reading: nothing") }
        for problem in status.problems {
            print("waiting (\(problem.source), for \(Self.duration(now.timeIntervalSince(problem.since)))): \(problem.message)")
        }
        if !status.recentFailures.isEmpty {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
            print("recent failures:")
            for failure in status.recentFailures {
                print("  \(formatter.string(from: failure.at))  \(failure.path)\n      \(failure.error)")
            }
        }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(max(0, seconds))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        return "\(total / 3600)h \(total % 3600 / 60)m"
    }
}

/// Whether `scrawl serve` holds the state directory's instance lock (nil: cannot tell).
private struct DaemonState: Encodable {
    var running: Bool?
    var pid: Int32?
}

/// `scrawl status --json`: the catalog's status plus elapsed seconds for the running scans.
private struct StatusReport: Encodable {
    var status: CatalogStatus
    var daemon: DaemonState
    var now: Date

    enum CodingKeys: String, CodingKey { case generatedAt, daemon, jobs, searchable, failedDocuments, running, recentFailures, problems }
    struct Running: Encodable {
        var job: CatalogStatus.RunningJob
        var elapsedS: Double
        enum CodingKeys: String, CodingKey { case jobID, path, model, tokens, startedAt, attempts, elapsedS }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(job.jobID, forKey: .jobID)
            try c.encode(job.path, forKey: .path)
            try c.encode(job.model, forKey: .model)
            try c.encode(job.tokens, forKey: .tokens)
            try c.encode(job.startedAt, forKey: .startedAt)
            try c.encode(job.attempts, forKey: .attempts)
            try c.encode(elapsedS, forKey: .elapsedS)
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(now, forKey: .generatedAt)
        try c.encode(daemon, forKey: .daemon)
        try c.encode(status.jobs, forKey: .jobs)
        try c.encode(status.searchable, forKey: .searchable)
        try c.encode(status.failedDocuments, forKey: .failedDocuments)
        try c.encode(status.running.map { Running(job: $0, elapsedS: (now.timeIntervalSince($0.startedAt) * 10).rounded() / 10) },
                     forKey: .running)
        try c.encode(status.recentFailures, forKey: .recentFailures)
        try c.encode(status.problems, forKey: .problems)
    }
}
