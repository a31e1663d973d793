import Foundation
import Glibc

/// The folder a scan's sidecars go in, opened once below its root (`sidecar_dir`, or the inbox) by
/// `BeneathRoot`: a symbolic link anywhere on the way — planted, or swapped in for a folder a moment
/// ago — is refused, and the missing folders are made with mkdirat relative to their parent's
/// descriptor. The temp file is created with openat, renamed with renameat and the folder fsync'd,
/// all through this descriptor, so a folder swapped afterwards changes nothing: the sidecar lands in
/// the folder that was opened, never where a link points.
final class SidecarFolder {
    let path: String
    private let fd: Int32

    /// The folder of `sidecar`. `root` nil: the folder itself is the root (made by path when missing).
    /// `makingMissing` false (sidecars beside the scan): a missing folder is an error, not made — the
    /// scan's folder is gone (or moved away a moment ago), and a new one in its place would be wrong.
    init(containing sidecar: String, within root: String?, makingMissing: Bool) throws {
        let folder = (sidecar as NSString).deletingLastPathComponent
        let root = root ?? folder
        path = folder
        // The root is trusted (configured): a missing one is made by path, as `mkdir -p` would.
        if FileStatus.lstat(root) == nil { try Self.makeRoot(root, for: sidecar) }
        let beneath: BeneathRoot
        do { beneath = try BeneathRoot(root) } catch {
            throw SidecarError(path: sidecar, operation: "open the folder \(root)", errno: error.errno)
        }
        guard let relative = beneath.relative(folder) else {
            throw SidecarError(path: sidecar, operation: "check the folder", errno: EXDEV, detail: "\(folder) is not inside \(root)")
        }
        var opened = beneath.open(relative, flags: O_RDONLY | O_DIRECTORY)
        if opened < 0 && errno == ENOENT && makingMissing { opened = try Self.make(relative, below: beneath, for: sidecar) }
        guard opened >= 0 else { throw Self.openError(errno, folder: folder, root: root, sidecar: sidecar) }
        fd = opened
        SidecarWriter.afterResolvingForTests?(folder)
    }

    deinit { close(fd) }

    /// Writes `bytes` as `name` in this folder: temp file, fsync, renameat, fsync of the folder.
    func write(_ bytes: [UInt8], name: String, mode: mode_t, for sidecar: String) throws {
        // One fixed temp name per sidecar: a temp file left by a kill is truncated and renamed by the
        // next write of the same sidecar (the interrupted job is always read again), not left behind.
        // Only one thread writes a given scan's sidecars at a time (the catalog never reuses a result
        // for a path whose job is running), so the fixed name is not shared by two writers.
        let temp = SidecarWriter.temporaryName(for: name)
        let file = openat(fd, temp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard file >= 0 else {
            throw SidecarError(path: sidecar, operation: "create the temp file \(FolderWalker.join(path, temp))", errno: errno)
        }
        var renamed = false
        defer {
            close(file)
            if !renamed { unlinkat(fd, temp, 0) }
        }
        guard fchmod(file, mode) == 0 else { throw SidecarError(path: sidecar, operation: "chmod", errno: errno) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(file, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SidecarError(path: sidecar, operation: "write", errno: errno)
            }
            written += count
        }
        guard fsync(file) == 0 else { throw SidecarError(path: sidecar, operation: "fsync", errno: errno) }
        guard renameat(fd, temp, fd, name) == 0 else { throw SidecarError(path: sidecar, operation: "rename into place", errno: errno) }
        renamed = true
        try SidecarWriter.syncFolder(fd, path, for: sidecar)
    }

    /// Removes `name` from this folder (a stale text sidecar of an older version of a scan that now fails).
    func remove(_ name: String) {
        unlinkat(fd, name, 0)
    }

    /// Makes the missing folders of `relative` below the root (mode 0750), one component at a time
    /// through the parent's descriptor; each is synced and its parent synced after it, so that a power
    /// cut cannot leave a synced sidecar in a folder whose name was lost. Returns the last one's descriptor.
    private static func make(_ relative: String, below root: BeneathRoot, for sidecar: String) throws -> Int32 {
        var current = root.open("", flags: O_RDONLY | O_DIRECTORY)
        guard current >= 0 else { throw openError(errno, folder: root.path, root: root.path, sidecar: sidecar) }
        var reached = root.path
        for component in relative.split(separator: "/").map(String.init) {
            defer { reached = FolderWalker.join(reached, component) }
            var next = BeneathRoot.open(component, below: current, flags: O_RDONLY | O_DIRECTORY)
            if next < 0 && errno == ENOENT {
                guard mkdirat(current, component, 0o750) == 0 || errno == EEXIST else {
                    let code = errno
                    close(current)
                    throw SidecarError(path: sidecar, operation: "create the folder \(FolderWalker.join(reached, component))", errno: code)
                }
                do { try SidecarWriter.syncFolder(current, reached, for: sidecar) } catch {
                    close(current)
                    throw error
                }
                next = BeneathRoot.open(component, below: current, flags: O_RDONLY | O_DIRECTORY)
                if next >= 0 {
                    do { try SidecarWriter.syncFolder(next, FolderWalker.join(reached, component), for: sidecar) } catch {
                        close(current)
                        close(next)
                        throw error
                    }
                }
            }
            let code = errno
            close(current)
            guard next >= 0 else { throw openError(code, folder: FolderWalker.join(reached, component), root: root.path, sidecar: sidecar) }
            current = next
        }
        return current
    }

    /// A missing root (sidecar_dir before the first sidecar): made by path with its missing parents.
    private static func makeRoot(_ root: String, for sidecar: String) throws {
        var missing: [String] = []
        var existing = root
        while FileStatus.lstat(existing) == nil && existing.count > 1 {
            missing.append(existing)
            existing = (existing as NSString).deletingLastPathComponent
        }
        for created in missing.reversed() {
            guard mkdir(created, 0o750) == 0 || errno == EEXIST else {
                throw SidecarError(path: (sidecar as NSString).deletingLastPathComponent, operation: "create the folder \(created)", errno: errno)
            }
            for synced in [created, (created as NSString).deletingLastPathComponent] {
                let fd = open(synced, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard fd >= 0 else { throw SidecarError(path: sidecar, operation: "open the folder \(synced) to sync it", errno: errno) }
                defer { close(fd) }
                try SidecarWriter.syncFolder(fd, synced, for: sidecar)
            }
        }
    }

    private static func openError(_ code: Int32, folder: String, root: String, sidecar: String) -> SidecarError {
        guard code == ELOOP || code == EXDEV else {
            return SidecarError(path: sidecar, operation: "open the folder \(folder)", errno: code)
        }
        return SidecarError(path: folder, operation: "check the folder", errno: ELOOP,
                            detail: "it leads out of \(root) through a symbolic link; sidecars are never written through one")
    }
}
