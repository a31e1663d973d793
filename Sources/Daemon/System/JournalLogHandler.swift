import Foundation
import Glibc
import Logging

/// swift-log to stderr, one event a line: `TIME LEVEL scrawl: key=value [Module] message`. Every
/// value and the message pass through `ControlEscaping`, so a file name cannot split a line or forge
/// one. When stderr is the journal (`$JOURNAL_STREAM` names its device and inode, as systemd sets
/// it) each line starts with its syslog priority, `<3>` for errors, so `journalctl -p err` works.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata = Logger.Metadata()
    private let label: String
    private let withPriority: Bool

    public init(label: String, withPriority: Bool = JournalLogHandler.stderrIsJournal()) {
        self.label = label
        self.withPriority = withPriority
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The syslog priority journald reads from a `<N>` prefix.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// Whether fd 2 is the stream systemd connected to the journal (`$JOURNAL_STREAM` = "DEV:INODE").
    public static func stderrIsJournal() -> Bool {
        guard let raw = getenv("JOURNAL_STREAM") else { return false }
        let parts = String(cString: raw).split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        let pairs = merged.sorted { $0.key < $1.key }
            .map { " \(ControlEscaping.escaped($0.key))=\(ControlEscaping.escaped("\($0.value)"))" }.joined()
        let prefix = withPriority ? "<\(Self.priority(event.level))>" : ""
        let line = "\(prefix)\(Self.timestamp()) \(event.level) \(label):\(pairs) [\(event.source)] "
            + ControlEscaping.escaped("\(event.message)") + "\n"
        // One write(2) per line: lines from the worker and the monitor never interleave.
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
