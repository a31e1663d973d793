import Foundation
import Glibc
import RemoteEngine

/// A problem of the machine, not of the scan: no model checkpoint yet, a full, over-quota, read-only
/// or failing disk under the sidecars. The job goes back to the queue and the worker pauses with
/// backoff, saying why (STATUS, `scrawl status`); nothing is recorded as failed.
public struct EnvironmentProblem: Error, Equatable, CustomStringConvertible {
    public var message: String
    /// The model whose checkpoint is missing: only its scans wait, the others are read meanwhile.
    public var model: String?

    public init(message: String, model: String? = nil) {
        self.message = message
        self.model = model
    }

    /// The key `scrawl status` lists it under.
    var source: String { model.map { "model \($0)" } ?? "worker" }

    public var description: String { message }

    /// Errors of the disk that say nothing about the scan.
    static let pausingErrnos: Set<Int32> = [ENOSPC, EDQUOT, EROFS, EIO]

    /// A sidecar folder with less free space than this is treated as full before the model runs.
    public static let minFreeBytes: UInt64 = 16 << 20

    /// The environment problem `error` is, or nil when it is about the scan. `model` names the
    /// model a remote engine's error is about (the endpoint down or refusing the key: only its scans wait).
    static func from(_ error: Error, model: String? = nil) -> EnvironmentProblem? {
        switch error {
        case let problem as EnvironmentProblem: return problem
        case let load as EngineLoadError:
            switch load {
            case .modelMissing(let name, _), .insufficientMemory(let name, _, _, _), .checkpointUnusable(let name, _, _):
                return EnvironmentProblem(message: "\(load)", model: name.rawValue)
            case .unknownModel: return nil
            }
        case let remote as RemoteEngineError where remote.keepsScanQueued:
            let prefix = remote.endpointDown ? "endpoint down: " : ""
            return EnvironmentProblem(message: prefix + "\(remote)", model: model)
        case let sidecar as SidecarError where pausingErrnos.contains(sidecar.errno):
            return EnvironmentProblem(message: "cannot write sidecars: \(sidecar)")
        default: return nil
        }
    }

    /// Before a read: the folder the sidecars go to (its nearest existing parent) is writable and has room.
    static func check(sidecarFolder folder: String) -> EnvironmentProblem? {
        var existing = folder
        while FileStatus.lstat(existing) == nil, existing != "/" { existing = (existing as NSString).deletingLastPathComponent }
        if access(existing, W_OK) != 0, errno == EROFS {
            return EnvironmentProblem(message: "\(existing) is on a read-only file system: sidecars cannot be written "
                                          + "(under systemd: is it in ReadWritePaths=?)")
        }
        var info = statvfs()
        if statvfs(existing, &info) == 0 {
            let free = UInt64(info.f_bavail) * UInt64(info.f_frsize)
            if free < minFreeBytes {
                return EnvironmentProblem(message: "\(existing) has \(free / 1024) KiB free (less than \(minFreeBytes >> 20) MiB): "
                                              + "free some space; the scans wait in the queue")
            }
        }
        return nil
    }
}
