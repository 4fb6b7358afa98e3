import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a finished (or killed) child process left behind.
public struct ProcessResult: Sendable, CustomStringConvertible {
    /// The command line, for messages.
    public let command: [String]
    /// Exit status, or 128 + signal number when a signal ended it.
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    /// True when the timeout expired and the process was killed.
    public let timedOut: Bool

    /// Exited with status 0 before the timeout.
    public var succeeded: Bool { exitCode == 0 && !timedOut }

    public var description: String {
        let status = timedOut ? "timed out" : "exit \(exitCode)"
        return "`\(command.joined(separator: " "))` (\(status))\nstdout: \(stdout)\nstderr: \(stderr)"
    }
}

/// A command that could not be started, failed, or ran out of time.
public struct ProcessFailure: Error, CustomStringConvertible {
    public let result: ProcessResult?
    public let reason: String

    public init(result: ProcessResult?, reason: String) {
        self.result = result
        self.reason = reason
    }

    public var description: String {
        guard let result else { return reason }
        let output = result.stderr.isEmpty ? result.stdout : result.stderr
        return "\(reason): `\(result.command.joined(separator: " "))`: "
            + (result.timedOut ? "timed out" : "exit \(result.exitCode)")
            + (output.isEmpty ? "" : ": \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
}

/// Runs `executable` (a path, or a name looked up in PATH, /usr/sbin and /sbin) with `arguments`,
/// capturing stdout and stderr. Kills it (SIGTERM, then SIGKILL after 2 s) when `timeout` expires.
/// Never throws for a non-zero exit: check `succeeded` (or use `runChecked`).
///
/// Built on posix_spawn, not Foundation's `Process` (which crashed when tests spawned commands from
/// several threads at once); the child inherits no descriptor but its three standard ones.
public func runProcess(
    _ executable: String, _ arguments: [String], timeout: Duration = .seconds(60), input: String? = nil,
    environment: [String: String]? = nil
) throws -> ProcessResult {
    let command = [executable] + arguments
    guard let path = resolveExecutable(executable) else {
        throw ProcessFailure(result: nil, reason: "\(executable): not found in PATH, /usr/sbin or /sbin")
    }
    let stdoutPipe = try ClosingPipe()
    let stderrPipe = try ClosingPipe()
    let stdinPipe = try ClosingPipe()

    var pid: pid_t = 0
    let spawned = spawn(path: path, arguments: arguments, environment: environment, pid: &pid) { actions in
        posix_spawn_file_actions_adddup2(&actions, stdinPipe.reader, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe.writer, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe.writer, 2)
    }
    stdinPipe.closeReader()
    stdoutPipe.closeWriter()
    stderrPipe.closeWriter()
    guard spawned == 0 else {
        throw ProcessFailure(
            result: nil,
            reason: "\(command.joined(separator: " ")): cannot start: \(String(cString: strerror(spawned)))")
    }

    var pendingInput = Array((input ?? "").utf8)
    if pendingInput.isEmpty { stdinPipe.closeWriter() } else { _ = fcntl(stdinPipe.writer, F_SETFL, O_NONBLOCK) }
    var output: [UInt8] = []
    var errors: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    let start = ContinuousClock.now
    var deadline = start + timeout
    var timedOut = false
    var killed = false

    while stdoutPipe.reader >= 0 || stderrPipe.reader >= 0 {
        var descriptors: [pollfd] = []
        if stdoutPipe.reader >= 0 {
            descriptors.append(pollfd(fd: stdoutPipe.reader, events: Int16(POLLIN), revents: 0))
        }
        if stderrPipe.reader >= 0 {
            descriptors.append(pollfd(fd: stderrPipe.reader, events: Int16(POLLIN), revents: 0))
        }
        if stdinPipe.writer >= 0 {
            descriptors.append(pollfd(fd: stdinPipe.writer, events: Int16(POLLOUT), revents: 0))
        }
        let remaining = deadline - ContinuousClock.now
        let milliseconds = max(
            0,
            Int32(
                clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
            ))
        let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        if ready < 0 && errno != EINTR { break }
        if ready == 0 {
            // Out of time: TERM, then KILL two seconds later, then give up on the pipes.
            if !timedOut {
                timedOut = true
                kill(pid, SIGTERM)
                deadline = ContinuousClock.now + .seconds(2)
            } else if !killed {
                killed = true
                kill(pid, SIGKILL)
                deadline = ContinuousClock.now + .seconds(2)
            } else {
                break
            }
            continue
        }
        for descriptor in descriptors where descriptor.revents != 0 {
            if descriptor.fd == stdinPipe.writer {
                let written = pendingInput.withUnsafeBytes { write(descriptor.fd, $0.baseAddress, $0.count) }
                if written > 0 { pendingInput.removeFirst(written) }
                if written < 0 && errno != EAGAIN && errno != EINTR { pendingInput.removeAll() }
                if pendingInput.isEmpty { stdinPipe.closeWriter() }
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(descriptor.fd, $0.baseAddress, $0.count) }
            if count > 0 {
                if descriptor.fd == stdoutPipe.reader {
                    output += buffer[0..<count]
                } else {
                    errors += buffer[0..<count]
                }
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                if descriptor.fd == stdoutPipe.reader { stdoutPipe.closeReader() } else { stderrPipe.closeReader() }
            }
        }
    }
    stdinPipe.closeWriter()
    if timedOut && !killed { kill(pid, SIGKILL) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // WIFEXITED / WEXITSTATUS / WTERMSIG are macros: decode by hand.
    let signal = status & 0x7f
    let exitCode = signal == 0 ? (status >> 8) & 0xff : 128 + signal
    return ProcessResult(
        command: command, exitCode: exitCode, stdout: String(decoding: output, as: UTF8.self),
        stderr: String(decoding: errors, as: UTF8.self), timedOut: timedOut)
}

/// A pipe whose ends are close-on-exec from birth (pipe2), closed at most once.
private final class ClosingPipe {
    private(set) var reader: Int32
    private(set) var writer: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        let result = createPipe.map { $0(&ends, O_CLOEXEC) } ?? pipe(&ends)
        guard result == 0 else {
            throw ProcessFailure(result: nil, reason: "pipe: \(String(cString: strerror(errno)))")
        }
        if createPipe == nil {
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        reader = ends[0]
        writer = ends[1]
    }

    deinit {
        closeReader()
        closeWriter()
    }

    func closeReader() {
        if reader >= 0 { close(reader) }
        reader = -1
    }

    func closeWriter() {
        if writer >= 0 { close(writer) }
        writer = -1
    }
}

/// Starts `executable` in the background with stdin from /dev/null and stdout and stderr appended to
/// nothing but the two files given (created or truncated); the caller waits for or kills the returned pid.
public func spawnInBackground(
    _ executable: String, _ arguments: [String], stdoutFile: String, stderrFile: String,
    environment: [String: String]? = nil
) throws -> pid_t {
    guard let path = resolveExecutable(executable) else {
        throw ProcessFailure(result: nil, reason: "\(executable): not found in PATH, /usr/sbin or /sbin")
    }
    var pid: pid_t = 0
    let spawned = spawn(path: path, arguments: arguments, environment: environment, pid: &pid) { actions in
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    }
    guard spawned == 0 else {
        throw ProcessFailure(
            result: nil,
            reason: "\(([path] + arguments).joined(separator: " ")): cannot start: \(String(cString: strerror(spawned)))")
    }
    return pid
}

/// posix_spawn with the three standard descriptors as `standardDescriptors` sets them and no other
/// descriptor inherited, the signals a test runner may have changed back to their defaults and none
/// blocked. Returns posix_spawn's error (0 on success).
private func spawn(
    path: String, arguments: [String], environment: [String: String]?, pid: inout pid_t,
    standardDescriptors: (inout posix_spawn_file_actions_t) -> Void
) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    standardDescriptors(&actions)
    if let closeFrom = spawnCloseFrom { _ = closeFrom(&actions, 3) }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaultSignals = sigset_t()
    sigemptyset(&defaultSignals)
    for signal in [SIGPIPE, SIGHUP, SIGTERM, SIGINT] { sigaddset(&defaultSignals, signal) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let environmentLines = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    return withCStrings([path] + arguments) { argv in
        withCStrings(environmentLines) { envp in
            posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        }
    }
}

/// glibc's pipe2 and posix_spawn_file_actions_addclosefrom_np, looked up at run time (Swift's Glibc
/// module does not export these GNU declarations).
private let createPipe: (@convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32)? = {
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pipe2").map {
        unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32).self)
    }
}()

private let spawnCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }
}()

/// A NULL-terminated `char *[]` for the duration of `body`.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// `runProcess`, throwing `ProcessFailure` (with stderr) unless the command succeeded; returns stdout.
@discardableResult
public func runChecked(
    _ executable: String, _ arguments: [String], timeout: Duration = .seconds(60), input: String? = nil
) throws -> String {
    let result = try runProcess(executable, arguments, timeout: timeout, input: input)
    guard result.succeeded else { throw ProcessFailure(result: result, reason: "command failed") }
    return result.stdout
}

/// An absolute path for `name`: itself when it contains a slash, else the first match in PATH,
/// /usr/sbin, /sbin, /usr/bin, /bin.
public func resolveExecutable(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    for directory in directories where !directory.isEmpty {
        let candidate = directory + "/" + name
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
