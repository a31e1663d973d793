import ArgumentParser
import Catalog
import Daemon
import Foundation

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Watches the inbox folders and reads every scan dropped into them (the daemon).",
        discussion: """
            Scans (JPEG, PNG, GIF) dropped into an inbox are read by the model on the CPU; the text \
            lands beside each scan as NAME.txt and NAME.json and in the catalog that `scrawl search` \
            queries. Runs until SIGTERM or Ctrl-C; SIGHUP rescans every inbox. Under systemd it \
            speaks the notify protocol (READY, STATUS, WATCHDOG, STOPPING). Flags override the \
            configuration file; --inbox replaces its [[inbox]] list.

            Try it without a configuration file:
              scrawl serve --inbox ~/inbox --state-dir ~/.local/state/scrawl

            As the system service (see systemd/scrawl.service):
              scrawl serve --config /etc/scrawl/scrawl.toml

            Exit status: 0 after a clean stop; 78 for a configuration or state error a restart \
            cannot fix (no or missing inbox, unusable state directory, a catalog from a newer \
            scrawl); 1 otherwise.
            """
    )

    @OptionGroup var options: CatalogOptions

    @Option(name: .customLong("inbox"), help: ArgumentHelp("A folder to watch (repeat for more); replaces the config's [[inbox]] list.",
                                                           valueName: "dir"))
    var inboxes: [String] = []

    @Option(name: .customLong("model-qwen"), help: ArgumentHelp("The Qwen2-VL checkpoint directory (overrides [models] qwen).",
                                                                valueName: "dir"))
    var modelQwen: String?

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (overrides [daemon] log_level).",
                                                               valueName: "level"))
    var logLevel: String?

    func validate() throws {
        if let logLevel, !DaemonSettings.logLevels.contains(logLevel) {
            throw ValidationError("--log-level must be one of \(DaemonSettings.logLevels.joined(separator: ", "))")
        }
    }

    func run() throws {
        var config: ScrawlConfig
        do {
            config = try options.loadConfig()
        } catch {
            printToStandardError("scrawl serve: \(error)")
            throw ExitCode(78)  // EX_CONFIG: the unit does not restart on it (RestartPreventExitStatus=78)
        }
        if !inboxes.isEmpty { config.inboxes = inboxes.map { InboxConfig(path: absoluteScanPath($0)) } }
        if let modelQwen { config.models.qwen = absoluteScanPath(modelQwen) }
        if let logLevel { config.daemon.logLevel = logLevel }

        LogSetup.bootstrap()
        let logger = LogSetup.logger(level: config.daemon.logLevel)
        do {
            try ScrawlDaemon(config: config, loader: ModelEngineLoader(stateDir: config.stateDir), decoder: ImagingScanDecoder(), logger: logger).run()
        } catch {
            logger.critical("\(error)")
            // EX_CONFIG for what a restart cannot fix (the unit's RestartPreventExitStatus=78).
            throw Self.isPermanent(error) ? ExitCode(78) : ExitCode.failure
        }
    }

    /// Configuration and state errors: no inbox, a missing inbox, an unusable state directory, a
    /// catalog that is newer than this scrawl or not ours to open. Restarting changes none of them.
    static func isPermanent(_ error: Error) -> Bool {
        switch error {
        case let daemon as DaemonError:
            switch daemon {
            case .noInbox, .inboxMissing, .stateDir, .lockFile: return true
            case .alreadyRunning, .inotify: return false
            }
        case let catalog as CatalogError:
            switch catalog {
            case .newerSchema, .permissionDenied, .cannotCreate, .notInitialised, .readOnly, .missingCatalog: return true
            case .jobNotFound, .jobNotRunning: return false
            }
        case is ConfigError: return true
        default: return false
        }
    }
}
