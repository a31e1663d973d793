import Foundation
import Glibc

/// A unix datagram socket where systemd's notify socket would be, drained all the time by its own
/// thread as systemd does (a full queue would drop datagrams). Keeps every datagram with the time
/// it arrived.
final class NotifySocket: @unchecked Sendable {
    struct Message {
        var text: String
        var time: Date
    }

    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [Message] = []
    private var isClosed = false
    private let readerDone = DispatchSemaphore(value: 0)

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw HarnessError("cannot bind the notify socket \(path): \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let reader = Thread { [self] in
            while !closed {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { append(Message(text: String(decoding: buffer[..<count], as: UTF8.self), time: Date())) }
            }
            readerDone.signal()
        }
        reader.start()
    }

    deinit { Glibc.close(fd) }

    var messages: [String] { lock.withLock { received.map(\.text) } }
    var timedMessages: [Message] { lock.withLock { received } }
    private var closed: Bool { lock.withLock { isClosed } }
    private func append(_ message: Message) { lock.withLock { received.append(message) } }

    /// Stops the reading thread (call before the socket goes away).
    func close() {
        lock.withLock { isClosed = true }
        readerDone.wait()
    }

    /// The longest time between two WATCHDOG=1 pings received after `since`, READY=1 counting as
    /// the first (a daemon that goes quiet right after READY is hungry too).
    func longestWatchdogGap(since: Date = .distantPast) -> TimeInterval {
        let pings = timedMessages.filter { message in
            let lines = message.text.split(separator: "\n")
            return message.time >= since && (lines.contains("WATCHDOG=1") || lines.contains("READY=1"))
        }.map(\.time)
        return zip(pings, pings.dropFirst()).map { $1.timeIntervalSince($0) }.max() ?? 0
    }
}
