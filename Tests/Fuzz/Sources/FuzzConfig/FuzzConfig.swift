import Daemon
import FuzzSupport

/// The TOML configuration (`scrawl.toml`) and folder-tag (`.scrawl.toml`) parsers on arbitrary text.
/// Errors are expected; the first byte picks the parser, and what parses must satisfy the documented ranges.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(start, count)
    guard let selector = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    if selector & 1 == 0 {
        guard let config = try? ScrawlConfig.parse(text, file: "fuzz.toml") else { return 0 }
        guard config.stateDir.hasPrefix("/"), Set(config.inboxes.map(\.path)).count == config.inboxes.count,
              DaemonSettings.logLevels.contains(config.daemon.logLevel) else {
            fuzzFailure("accepted config with state_dir \(config.stateDir), inboxes \(config.inboxes.map(\.path))")
        }
        for inbox in config.inboxes {
            guard inbox.path.hasPrefix("/"), FolderSettings.maxTokensRange.contains(inbox.maxTokens), !inbox.prompt.isEmpty else {
                fuzzFailure("accepted inbox \(inbox)")
            }
        }
    } else {
        guard let tag = try? FolderSettings.parseTag(text, file: ".scrawl.toml") else { return 0 }
        if let maxTokens = tag.maxTokens, !FolderSettings.maxTokensRange.contains(maxTokens) {
            fuzzFailure("accepted tag max_tokens \(maxTokens)")
        }
        if let prompt = tag.prompt, prompt.isEmpty { fuzzFailure("accepted an empty tag prompt") }
    }
    return 0
}
