import Glibc

/// sd_notify without libsystemd: one datagram to `$NOTIFY_SOCKET` per message (READY=1, STATUS=…,
/// WATCHDOG=1, STOPPING=1). A path starting with '@' is an abstract socket. Without the variable
/// (not started by systemd) every call does nothing.
public final class SystemdNotifier: @unchecked Sendable {
    private let socketPath: String?
    private let fd: Int32

    /// Reads `$NOTIFY_SOCKET` when `socketPath` is nil.
    public init(socketPath: String? = nil) {
        let path = socketPath ?? getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        if let path, !path.isEmpty, path.hasPrefix("/") || path.hasPrefix("@") {
            self.socketPath = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        } else {
            self.socketPath = nil
            fd = -1
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Whether there is a socket to notify.
    public var isEnabled: Bool { socketPath != nil && fd >= 0 }

    /// `$WATCHDOG_USEC` in seconds when the watchdog is on for this process (`$WATCHDOG_PID` unset or ours).
    public static func watchdogInterval() -> Double? {
        guard let raw = getenv("WATCHDOG_USEC"), let usec = UInt64(String(cString: raw)), usec > 0 else { return nil }
        if let pid = getenv("WATCHDOG_PID"), Int32(String(cString: pid)) != getpid() { return nil }
        return Double(usec) / 1_000_000
    }

    // systemd reads every line of a datagram as an assignment: STATUS texts (which quote file
    // names) are escaped so that no name can add one (`x\nWATCHDOG_USEC=1.png`).
    public func ready(status: String) { send("READY=1\nSTATUS=\(ControlEscaping.escaped(status))") }
    public func status(_ text: String) { send("STATUS=\(ControlEscaping.escaped(text))") }
    public func watchdog() { send("WATCHDOG=1") }
    /// Before READY: the start may take `seconds` more than TimeoutStartSec (systemd ≥ 236).
    public func extendStartTimeout(seconds: Int, status: String) {
        send("EXTEND_TIMEOUT_USEC=\(seconds * 1_000_000)\nSTATUS=\(ControlEscaping.escaped(status))")
    }
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(ControlEscaping.escaped(status))") }

    /// Sends one datagram without blocking (a full receiver queue drops it rather than stalling the
    /// daemon); returns whether it was sent. Failures are not fatal: systemd may be gone.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let socketPath, fd >= 0 else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { addr in
                payload.withUnsafeBytes { bytes in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), addr, length)
                }
            }
        }
        return sent == payload.count
    }
}
