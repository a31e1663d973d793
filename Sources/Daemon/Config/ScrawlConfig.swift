import Foundation

/// The whole configuration: one TOML file (`/etc/scrawl/scrawl.toml`), every key optional.
///
/// ```toml
/// state_dir = "/var/lib/scrawl"          # catalog.sqlite, the lock file, models/
/// [daemon]
/// log_level = "info"                     # trace … critical
/// rescan_interval_s = 300                # full rescan (network mounts); 0 = never
/// idle_unload_s = 300                    # unload the model after this long without work
/// stop_grace_s = 10                      # on SIGTERM, wait this long for the current scan
/// stall_timeout_s = 600                  # a read without progress this long is reported and given up
/// page_timeout_s = 3600                  # one page may take at most this long
/// [models]
/// qwen = "/var/lib/scrawl/models/qwen2-vl-ocr-2b"   # default: <state_dir>/models/…
/// aya = "/var/lib/scrawl/models/aya-vision-8b"
/// [models.gpu]                           # any name: a checkpoint (path) or an endpoint (url); see ModelsSection
/// url = "http://gpu-box:8000/v1"
/// model = "prithivMLmods/Qwen2-VL-OCR-2B-Instruct"
/// [[inbox]]
/// path = "/srv/scans"                    # required in each [[inbox]]
/// model = "qwen"                         # qwen | aya | a [models.NAME]
/// prompt = "OCR the Image"
/// max_tokens = 1024
/// recursive = true
/// sidecar_dir = "/srv/scans-text"        # default: beside each scan
/// settle_ms = 2000
/// max_pixels = 1003520
/// max_pages = 100                        # pages of a PDF/TIFF read at most
/// pdf_text = "ignore"                    # ignore | prefer (a PDF page's own text layer)
/// ```
public struct ScrawlConfig: Sendable, Equatable {
    public static let defaultPath = "/etc/scrawl/scrawl.toml"
    public static let defaultStateDir = "/var/lib/scrawl"

    public var stateDir: String
    public var catalogPath: String { stateDir + "/catalog.sqlite" }
    public var models: ModelRegistry
    public var inboxes: [InboxConfig]
    public var daemon: DaemonSettings
    /// The file this came from (nil when built from defaults).
    public var sourcePath: String?

    public init(stateDir: String = ScrawlConfig.defaultStateDir, models: ModelRegistry? = nil,
                inboxes: [InboxConfig] = [], daemon: DaemonSettings = DaemonSettings(), sourcePath: String? = nil) {
        self.stateDir = stateDir
        self.models = models ?? .defaults(stateDir: stateDir)
        self.inboxes = inboxes
        self.daemon = daemon
        self.sourcePath = sourcePath
    }

    /// Moves the state directory; model paths still at their defaults follow it.
    public mutating func setStateDir(_ dir: String) {
        models.moveDefaults(fromStateDir: stateDir, to: dir)
        stateDir = dir
    }

    /// The inbox a path lies in (the deepest one when inboxes nest).
    public func inbox(containing path: String) -> InboxConfig? {
        inboxes.filter { path == $0.path || path.hasPrefix($0.path.hasSuffix("/") ? $0.path : $0.path + "/") }
            .max { $0.path.count < $1.path.count }
    }

    /// The settings a scan at `path` (as the daemon records it: real paths) is read with now: its
    /// inbox's, with the folder tags on the way down applied. nil when no inbox holds it.
    public func readSettings(forScan path: String, tags: FolderTagResolver) -> InboxConfig? {
        var resolved = self
        for index in resolved.inboxes.indices {
            if let real = resolvedPath(resolved.inboxes[index].path) { resolved.inboxes[index].path = real }
        }
        guard let inbox = resolved.inbox(containing: path) else { return nil }
        return tags.settings(for: path, in: inbox)
    }

    /// Loads the file; a missing file at the DEFAULT path gives the defaults, a missing explicit file is an error.
    /// Errors name the file, line and key.
    public static func load(path: String?, explicit: Bool) throws -> ScrawlConfig {
        let file = path ?? defaultPath
        guard FileManager.default.fileExists(atPath: file) else {
            if explicit { throw ConfigError.unreadable(file: file, reason: "no such file") }
            return ScrawlConfig()
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError.unreadable(file: file, reason: "\(error.localizedDescription) (is it readable and UTF-8?)")
        }
        return try parse(text, file: file)
    }

    /// Parses TOML text; `file` is used in error messages.
    public static func parse(_ text: String, file: String) throws -> ScrawlConfig {
        let root = try TOMLSection.parse(text, file: file)
        try root.rejectUnknownKeys(["state_dir", "daemon", "models", "inbox"])
        var config = ScrawlConfig(sourcePath: file)
        if let stateDir = try root.absolutePath("state_dir") { config.setStateDir(stateDir) }
        if let daemon = try root.section("daemon") { config.daemon = try parseDaemon(daemon) }
        if let models = try root.section("models") { try ModelsSection.parse(models, into: &config.models) }
        let modelNames = config.models.names
        config.inboxes = try root.sections("inbox").map { try parseInbox($0, models: modelNames) }
        var seen: Set<String> = []
        for (index, inbox) in config.inboxes.enumerated() where !seen.insert(inbox.path).inserted {
            throw ConfigError.invalidValue(file: file, line: root.locator.line(of: "path", in: .init(name: "inbox", index: index)),
                                           key: "inbox[\(index + 1)].path", reason: "'\(inbox.path)' is listed twice")
        }
        return config
    }

    private static func parseDaemon(_ section: TOMLSection) throws -> DaemonSettings {
        try section.rejectUnknownKeys(["log_level", "rescan_interval_s", "idle_unload_s", "stop_grace_s", "stall_timeout_s",
                                       "page_timeout_s"])
        var settings = DaemonSettings()
        if let level = try section.oneOf("log_level", DaemonSettings.logLevels) { settings.logLevel = level }
        if let value = try section.int("rescan_interval_s", in: 0...604_800) { settings.rescanIntervalS = value }
        if let value = try section.int("idle_unload_s", in: 0...604_800) { settings.idleUnloadS = value }
        if let value = try section.int("stop_grace_s", in: 0...3600) { settings.stopGraceS = value }
        if let value = try section.int("stall_timeout_s", in: 1...86_400) { settings.stallTimeoutS = value }
        if let value = try section.int("page_timeout_s", in: 1...604_800) { settings.pageTimeoutS = value }
        return settings
    }

    private static func parseInbox(_ section: TOMLSection, models: [ModelName]) throws -> InboxConfig {
        try section.rejectUnknownKeys(FolderSettings.keys + ["path", "recursive", "sidecar_dir", "settle_ms", "max_pixels"])
        guard let path = try section.absolutePath("path") else {
            throw ConfigError.invalidValue(file: section.file, line: section.line(of: nil), key: section.keyName("path"),
                                           reason: "every [[inbox]] needs path = \"/folder/to/watch\"")
        }
        var inbox = InboxConfig(path: normalisedDirectory(path))
        let overrides = try FolderSettings.parse(section, models: models)
        overrides.apply(to: &inbox)
        if let recursive = try section.bool("recursive") { inbox.recursive = recursive }
        if let dir = try section.absolutePath("sidecar_dir") { inbox.sidecarDir = normalisedDirectory(dir) }
        if let settle = try section.int("settle_ms", in: 0...3_600_000) { inbox.settleMs = settle }
        if let pixels = try section.int("max_pixels", in: 3136...100_000_000) { inbox.maxPixels = pixels }
        return inbox
    }

    /// `/srv/scans/` → `/srv/scans` (the root stays `/`).
    static func normalisedDirectory(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
