import Logging

/// swift-log to stderr through `JournalLogHandler`: one event a line, values escaped, journald
/// priorities when stderr is the journal.
public enum LogSetup {
    /// Call once per process, before the first logger is made.
    public static func bootstrap() {
        let journal = JournalLogHandler.stderrIsJournal()
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label, withPriority: journal) }
    }

    public static func logger(level: String) -> Logger {
        var logger = Logger(label: "scrawl")
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}
