import Foundation

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
final class DownloadProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let name: String
    private let total: Int64?
    private var done: Int64
    private var lastDraw = Date.distantPast
    private let start = Date()
    private let startBytes: Int64
    let enabled: Bool

    init(name: String, total: Int64?, already: Int64, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.name = name
        self.total = total
        done = already
        startBytes = already
        self.enabled = enabled
    }

    func add(_ bytes: Int64) {
        lock.lock()
        defer { lock.unlock() }
        done += bytes
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = Date()
        draw(final: false)
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if enabled { draw(final: true) }
    }

    private func draw(final: Bool) {
        let rate = Double(done - startBytes) / max(0.001, Date().timeIntervalSince(start))
        var line = "\r\(name.count > 40 ? "…" + name.suffix(39) : Substring(name))"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            line += " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            line += String(format: " %3.0f%% %@ / %@", fraction * 100, Self.bytes(done), Self.bytes(total))
        } else {
            line += " " + Self.bytes(done)
        }
        line += " " + Self.bytes(Int64(rate)) + "/s\u{1B}[K"
        if final { line += "\n" }
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
