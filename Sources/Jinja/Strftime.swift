import Foundation

/// C `strftime` (C locale, local time zone) for the directives chat templates use with
/// `strftime_now` (e.g. Llama 3's "%d %b %Y").
enum Strftime {
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                                 "October", "November", "December"]
    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func format(_ date: Date, _ format: String) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        let (y, mo, d, h, mi, s, wd) = (c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!, c.weekday! - 1)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var out = ""
        var it = format.makeIterator()
        while let ch = it.next() {
            guard ch == "%" else { out.append(ch); continue }
            guard let code = it.next() else { out.append("%"); break }
            switch code {
            case "Y": out += String(y)
            case "y": out += two(y % 100)
            case "m": out += two(mo)
            case "d": out += two(d)
            case "e": out += d < 10 ? " \(d)" : "\(d)"
            case "H": out += two(h)
            case "I": out += two(h % 12 == 0 ? 12 : h % 12)
            case "M": out += two(mi)
            case "S": out += two(s)
            case "p": out += h < 12 ? "AM" : "PM"
            case "B": out += months[mo - 1]
            case "b", "h": out += String(months[mo - 1].prefix(3))
            case "A": out += weekdays[wd]
            case "a": out += String(weekdays[wd].prefix(3))
            case "j": out += String(format: "%03d", dayOfYear)
            case "F": out += "\(y)-\(two(mo))-\(two(d))"
            case "%": out += "%"
            default: throw EvalError.unsupported("strftime directive '%\(code)'")
            }
        }
        return out
    }
}
