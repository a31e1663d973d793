import Logging

/// swift-log to stderr, one event a line (journald stores each line with its time).
public enum LogSetup {
    /// Call once per process, before the first logger is made.
    public static func bootstrap() {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
    }

    public static func logger(level: String) -> Logger {
        var logger = Logger(label: "scrawl")
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}
