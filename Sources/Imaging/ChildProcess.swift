import Foundation
import Glibc

/// Runs a helper program (poppler-utils, libheif-examples) as a child process that cannot take the daemon with it:
/// started by posix_spawn with no inherited descriptors (stdin is the given file, stdout and stderr
/// are pipes, every other descriptor is closed), default signal handling, its own process group and
/// a minimal environment; its address space and CPU time limited by setrlimit in the child
/// (util-linux `prlimit`, which sets the limits on itself and then execs the program); killed at a
/// wall-clock deadline; its output capped. Nothing here calls fork() in the (multithreaded) daemon.
struct ChildProcess {
    struct Limits {
        var seconds: Int
        var memoryBytes: Int
        var maxOutputBytes: Int
        /// Largest file the child may write (RLIMIT_FSIZE; past it the write fails and SIGXFSZ ends
        /// the child); nil leaves the limit as inherited.
        var maxFileBytes: Int? = nil
    }

    struct Outcome {
        enum Ending: Equatable {
            case exited(Int32)
            case signalled(Int32)
            /// Killed by us at the wall-clock deadline.
            case timedOut
            /// Killed by us: stdout grew past `maxOutputBytes`.
            case outputTooLarge
        }
        var ending: Ending
        var stdout: [UInt8]
        /// The last 16 KiB of stderr, as text.
        var stderr: String
    }

    enum Failure: Error {
        /// The program (or prlimit) is not on the search path or not executable.
        case missing(String)
        /// A system call needed to start the child failed.
        case system(String)
    }

    /// Where private temp files and folders for children go: $TMPDIR (the unit's PrivateTmp), else /tmp.
    static var temporaryFolder: String {
        ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    /// Absolute path of `name` found on $PATH, then /usr/bin, /bin, /usr/local/bin; nil if none is executable.
    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin", "/usr/local/bin"]
        for folder in folders where folder.hasPrefix("/") {
            let candidate = folder + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs `program arguments…` with `input` as its stdin (a file descriptor read from offset 0).
    static func run(_ program: String, _ arguments: [String], input: Int32, limits: Limits) throws(Failure) -> Outcome {
        guard let prlimit = locate("prlimit") else { throw .missing("prlimit") }
        guard let executable = locate(program) else { throw .missing(program) }
        let cpu = max(1, limits.seconds)
        let fileLimit = limits.maxFileBytes.map { ["--fsize=\(max(0, $0))"] } ?? []
        let argv = [prlimit, "--as=\(max(64 << 20, limits.memoryBytes))", "--cpu=\(cpu):\(cpu + 1)", "--core=0"] + fileLimit
            + [executable] + arguments
        var environment = ["PATH=/usr/bin:/bin", "LC_ALL=C"]
        if let home = ProcessInfo.processInfo.environment["HOME"] { environment.append("HOME=" + home) }

        guard lseek(input, 0, SEEK_SET) == 0 else { throw .system("lseek: " + String(cString: strerror(errno))) }
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        // pipe2 is not in Swift's Glibc module; close-on-exec is set right after (another thread's
        // child could inherit these in between, but every child spawned here closes all fds ≥ 3).
        guard pipe(&out) == 0 else { throw .system("pipe: " + String(cString: strerror(errno))) }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw .system("pipe: " + String(cString: strerror(errno)))
        }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var parentEnds = [out[0], err[0]]
        defer { for fd in parentEnds where fd >= 0 { close(fd) } }

        var pid: pid_t = 0
        let spawned = spawn(argv, environment, stdin: input, stdout: out[1], stderr: err[1], pid: &pid)
        close(out[1]); close(err[1])
        guard spawned == 0 else {
            throw .system("posix_spawn \(prlimit): " + String(cString: strerror(spawned)))
        }

        for fd in parentEnds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        let deadline = Date().addingTimeInterval(TimeInterval(max(1, limits.seconds)))
        var stdout: [UInt8] = [], stderr: [UInt8] = []
        var killedFor: Outcome.Ending?
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while parentEnds.contains(where: { $0 >= 0 }) && killedFor == nil {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { killedFor = .timedOut; break }
            var fds = parentEnds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000 + 1, 1000)))
            if ready < 0 && errno != EINTR { killedFor = .timedOut; break }
            for (slot, entry) in fds.enumerated() where entry.fd >= 0 && entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if slot == 0 {
                        stdout.append(contentsOf: buffer[0..<count])
                        if stdout.count > limits.maxOutputBytes { killedFor = .outputTooLarge }
                    } else {
                        stderr.append(contentsOf: buffer[0..<count])
                        if stderr.count > 1 << 15 { stderr.removeFirst(stderr.count - (1 << 14)) }
                    }
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(entry.fd)
                    parentEnds[slot] = -1
                }
            }
        }
        if killedFor != nil { kill(-pid, SIGKILL); kill(pid, SIGKILL) }
        // Both pipes closed: the child is exiting; wait for it, still within the deadline.
        var status: Int32 = 0
        while true {
            let waited = waitpid(pid, &status, killedFor == nil ? WNOHANG : 0)
            if waited == pid { break }
            if waited < 0 && errno != EINTR { break }
            if waited == 0 {
                if Date() >= deadline { killedFor = .timedOut; kill(-pid, SIGKILL); kill(pid, SIGKILL); continue }
                usleep(2000)
            }
        }
        let text = String(decoding: stderr.suffix(1 << 14), as: UTF8.self)
        if let killedFor { return Outcome(ending: killedFor, stdout: stdout, stderr: text) }
        let signalled = status & 0x7F
        let ending: Outcome.Ending = signalled == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signalled)
        return Outcome(ending: ending, stdout: stdout, stderr: text)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc ≥ 2.34's posix_spawn_file_actions_addclosefrom_np (not in Swift's Glibc module), looked up once.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    private static func spawn(_ argv: [String], _ environment: [String], stdin: Int32, stdout: Int32, stderr: Int32,
                              pid: inout pid_t) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let addCloseFrom {
            _ = addCloseFrom(&actions, 3)
        } else {
            for fd in 3..<1024 { posix_spawn_file_actions_addclose(&actions, Int32(fd)) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        return posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
    }
}
