import Foundation

/// Parses the `--since` forms: an ISO date (`2026-11-01`, local midnight), an ISO date-time
/// (`2026-11-01T08:30:00Z`, `2026-11-01T08:30`), or a span back from now (`7d`, `24h`, `30m`, `2w`).
public enum SinceDate {
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let text: String
        public var description: String {
            "'\(text)' is not a date: use an ISO date (2026-11-01), a date-time (2026-11-01T08:30:00Z) or a span back from now (7d, 24h, 30m, 2w)"
        }
    }

    public static func parse(_ text: String, now: Date = Date(), timeZone: TimeZone = .current) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let span = relativeSeconds(trimmed) { return now.addingTimeInterval(-span) }
        if let date = isoDate(trimmed, timeZone: timeZone) { return date }
        throw Invalid(text: text)
    }

    private static func relativeSeconds(_ text: String) -> Double? {
        guard let unit = text.last, let count = Double(text.dropLast()), count >= 0, count.isFinite else { return nil }
        switch unit {
        case "s": return count
        case "m": return count * 60
        case "h": return count * 3600
        case "d": return count * 86_400
        case "w": return count * 7 * 86_400
        default: return nil
        }
    }

    private static func isoDate(_ text: String, timeZone: TimeZone) -> Date? {
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime]
        if let date = full.date(from: text) { return date }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: text) { return date }
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = timeZone
            formatter.dateFormat = format
            formatter.isLenient = false
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
