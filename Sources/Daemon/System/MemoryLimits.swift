import Foundation

/// How much memory a model load may count on: the kernel's MemAvailable (/proc/meminfo) and, when the
/// daemon runs in a cgroup with a limit (systemd's MemoryMax=, a container), that limit less what the
/// cgroup uses now — cgroup v2 `memory.max`/`memory.current`, or v1 `memory.limit_in_bytes`/
/// `memory.usage_in_bytes`, less the page cache it holds (memory.stat). `SCRAWL_MEMORY_MAX` (bytes, or with a K/M/G suffix) stands in for the
/// cgroup limit, less this process's resident memory: for tests, and to try a smaller machine's budget.
public struct MemoryLimits: Sendable, Equatable {
    /// MemAvailable in bytes, nil when /proc/meminfo says nothing.
    public var memAvailable: Int64?
    /// The cgroup's limit and current use in bytes, nil when there is no limit.
    public var cgroupLimit: Int64?
    public var cgroupUsage: Int64?
    /// Where the cgroup figures came from (a path, or the environment variable).
    public var cgroupSource: String?

    public static let overrideVariable = "SCRAWL_MEMORY_MAX"

    /// What a load may use: the smaller of MemAvailable and the cgroup's headroom; nil when neither is known.
    public var availableBytes: Int64? {
        let headroom = cgroupLimit.map { max(0, $0 - (cgroupUsage ?? 0)) }
        switch (memAvailable, headroom) {
        case let (a?, h?): return min(a, h)
        case let (a?, nil): return a
        case let (nil, h?): return h
        default: return nil
        }
    }

    /// One line for a person: the figures and where they came from.
    public var summary: String {
        var parts: [String] = []
        if let memAvailable { parts.append("MemAvailable \(Self.gib(memAvailable))") }
        if let cgroupLimit {
            parts.append("\(cgroupSource ?? "cgroup") limit \(Self.gib(cgroupLimit)), in use \(Self.gib(cgroupUsage ?? 0))")
        }
        return parts.isEmpty ? "no memory figures (no /proc/meminfo)" : parts.joined(separator: "; ")
    }

    static func gib(_ bytes: Int64) -> String { String(format: "%.2f GiB", Double(bytes) / Double(1 << 30)) }

    /// The figures now.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> MemoryLimits {
        var limits = MemoryLimits(memAvailable: meminfo("MemAvailable"))
        if let text = environment[overrideVariable], let limit = parseBytes(text) {
            limits.cgroupLimit = limit
            limits.cgroupUsage = ownResidentBytes()
            limits.cgroupSource = overrideVariable
        } else if let (limit, usage, source) = cgroupFigures() {
            limits.cgroupLimit = limit
            limits.cgroupUsage = usage
            limits.cgroupSource = source
        }
        return limits
    }

    /// "123", "512M", "2G", "64K" (binary units) → bytes.
    static func parseBytes(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        if let last = trimmed.last, let unit = units[last], let value = Int64(trimmed.dropLast()), value >= 0 {
            return value.multipliedReportingOverflow(by: unit).overflow ? nil : value * unit
        }
        return Int64(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }

    private static func meminfo(_ key: String) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kib = Int64(fields[1]) else { return nil }
            return kib * 1024
        }
        return nil
    }

    private static func ownResidentBytes() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int64(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return 0
    }

    /// (limit, usage, file) of this process's memory cgroup, when it has a limit.
    private static func cgroupFigures() -> (Int64, Int64, String)? {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { continue }
            let (controllers, path) = (fields[1], fields[2])
            let candidates: [(String, String, String)]
            if fields[0] == "0" && controllers.isEmpty {
                candidates = [("/sys/fs/cgroup" + path, "memory.max", "memory.current")]
            } else if controllers.split(separator: ",").contains("memory") {
                candidates = [("/sys/fs/cgroup/memory" + path, "memory.limit_in_bytes", "memory.usage_in_bytes"),
                              ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes")]
            } else { continue }
            for (folder, limitFile, usageFile) in candidates {
                guard let limitText = read(folder + "/" + limitFile) else { continue }
                // "max" (v2) or a huge page-rounded number (v1) mean no limit.
                guard let limit = Int64(limitText), limit < (1 << 60) else { break }
                // The page cache counts as used but is given back under the limit (the weights of a model
                // unloaded a minute ago are still cached): only what is not file cache is in use.
                let usage = Int64(read(folder + "/" + usageFile) ?? "0") ?? 0
                let cache = statValue(folder + "/memory.stat", keys: ["file", "total_cache"]) ?? 0
                return (limit, max(0, usage - cache), folder + "/" + limitFile)
            }
        }
        return nil
    }

    /// The first of `keys` found in a memory.stat file ("key value" lines), in bytes.
    private static func statValue(_ path: String, keys: [String]) -> Int64? {
        guard let text = read(path) else { return nil }
        var values: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = Int64(fields[1]) { values[String(fields[0])] = value }
        }
        return keys.lazy.compactMap { values[$0] }.first
    }

    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
