import Foundation
import Glibc

/// SIGTERM/SIGINT → stop, SIGHUP → rescan, run on a thread of its own (never inside a signal handler).
///
/// The handlers are in place when `init` returns, so a signal sent at any moment after it is acted on:
/// systemd may send SIGTERM right after READY. (Dispatch signal sources install theirs later, on
/// Dispatch's manager thread; a signal in between met SIG_IGN and was lost, and the daemon waited
/// for SIGKILL.) A handler only writes the signal's number into a pipe; the pipe and its reading
/// thread live as long as the process, so a late signal never writes into a reused descriptor.
/// One watcher acts at a time: a newer one takes over, and after `cancel()` signals are ignored.
public final class SignalWatcher: @unchecked Sendable {
    private static let watched: [Int32] = [SIGTERM, SIGINT, SIGHUP]
    private static let current = Locked<(id: UInt64, act: @Sendable (Int32) -> Void)?>(nil)
    private static let ids = Locked<UInt64>(0)
    private let id: UInt64

    public init(onStop: @escaping @Sendable (Int32) -> Void, onRescan: @escaping @Sendable () -> Void) {
        signal(SIGPIPE, SIG_IGN)
        id = Self.ids.update { $0 += 1; return $0 }
        let id = self.id
        Self.current.set((id, { number in if number == SIGHUP { onRescan() } else { onStop(number) } }))
        Self.installOnce
    }

    /// Its actions are no longer run; the signals it watched are read and ignored from now on.
    public func cancel() {
        Self.current.update { if $0?.id == id { $0 = nil } }
    }

    /// The pipe, the thread that reads it, then the handlers (in that order, once per process).
    private static let installOnce: Void = {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { fatalError("scrawl: pipe() for signals failed: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        signalPipeWrite = fds[1]
        let readEnd = fds[0]
        let reader = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count == 1 {
                    current.get()?.act(Int32(byte))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
        reader.name = "scrawl-signals"
        reader.start()
        for number in watched {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignal
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }()
}

/// The signal pipe's write end; set once, before any handler that reads it is installed.
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1

/// The handler: async-signal-safe (one write(2), errno kept). A full pipe (64 KiB of signals the
/// thread has not read yet) drops the signal rather than block inside the handler.
private func forwardSignal(_ number: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWrite, &byte, 1)
    errno = saved
}
