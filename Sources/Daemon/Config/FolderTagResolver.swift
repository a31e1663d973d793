import Foundation
import Logging

/// Applies folder tags (`.scrawl.toml` in a folder of an inbox: `model`, `prompt`, `max_tokens`) to
/// the inbox's settings, from the inbox root down to the scan's folder, so the nearest tag wins for
/// each key it sets. Tags are re-read when their size or mtime changes: editing one takes effect for
/// the next scan, with no restart. A tag that does not parse is logged once (per version) with its
/// file and line, and ignored: that folder keeps its parent's settings. So is a tag over 64 KiB,
/// a symlink or a FIFO: never read past the limit, never waited on.
public final class FolderTagResolver {
    private struct Cached {
        var snapshot: SettleTracker.Snapshot
        var settings: FolderSettings?
    }

    /// A tag holds three keys; anything larger is refused unread (an inbox is writable by others).
    public static let maxTagBytes = 64 << 10

    private var cache: [String: Cached] = [:]
    private let logger: Logger
    /// The model names a tag may use (the configuration's registry).
    private let models: [ModelName]

    public init(logger: Logger, models: [ModelName] = ModelName.builtIn) {
        self.logger = logger
        self.models = models
    }

    /// The settings for a scan at `file` inside `inbox`.
    public func settings(for file: String, in inbox: InboxConfig) -> InboxConfig {
        var result = inbox
        var folder = inbox.path
        let relative = file.dropFirst(inbox.path.count).split(separator: "/").dropLast()
        var folders = [folder]
        for component in relative {
            folder = FolderWalker.join(folder, String(component))
            folders.append(folder)
        }
        for folder in folders {
            tag(in: folder, root: inbox.path)?.apply(to: &result)
        }
        return result
    }

    /// The tag of `folder`, read below the inbox `root` (no link on the way is followed).
    private func tag(in folder: String, root: String) -> FolderSettings? {
        let path = FolderWalker.join(folder, ScanNameFilter.tagFileName)
        guard let status = FileStatus.lstat(path), status.kind == .regular else {
            cache[path] = nil
            return nil
        }
        if let cached = cache[path], cached.snapshot == status.snapshot { return cached.settings }
        var settings: FolderSettings?
        do {
            let text = try BoundedFileReader.read(path, limit: Self.maxTagBytes, beneath: root)
            settings = try FolderSettings.parseTag(text, file: path, models: models)
            logger.info("folder tag loaded", metadata: ["path": "\(path)"])
        } catch let error as ConfigError {
            logger.error("folder tag ignored, the folder keeps its parent's settings: \(error)", metadata: ["path": "\(path)"])
        } catch {
            logger.error("folder tag unreadable, the folder keeps its parent's settings: \(error)", metadata: ["path": "\(path)"])
        }
        cache[path] = Cached(snapshot: status.snapshot, settings: settings)
        return settings
    }
}
