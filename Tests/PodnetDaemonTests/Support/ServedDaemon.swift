import Foundation
import PodnetTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `podnetd serve --config FILE` running inside a test namespace (`ip netns exec NS podnetd …`;
/// `ip netns exec` execs, so the child's PID is podnetd's) as a child of the test process, its
/// stdout and stderr in files of the test's directory.
///
/// `stop()` always ends it (SIGTERM, then SIGKILL) and reaps it; call it in a `defer`.
final class ServedDaemon: Sendable {
    let namespace: NetworkNamespace
    let directory: TemporaryDirectory
    let pid: pid_t
    /// The loopback port it serves on inside the namespace.
    let port: UInt16
    /// The exit status once reaped: the code, or 128 + signal.
    private let exitStatus = Mutex<Int32?>(nil)

    static let configName = "podnetd.yaml"

    var configPath: String { directory.file(Self.configName) }

    /// Writes `config` to the directory and starts the daemon with it (not waiting for it to be ready).
    /// `environment` is added to the daemon's (e.g. a `NOTIFY_SOCKET` of the test's own);
    /// `launcher` runs it (e.g. `prlimit --nofile=64`; it must exec, so the PID stays podnetd's).
    init(
        in namespace: NetworkNamespace, directory: TemporaryDirectory, config: String, port: UInt16 = 9647,
        environment: [String: String] = [:], launcher: [String] = []
    ) throws {
        self.namespace = namespace
        self.directory = directory
        self.port = port
        try directory.write(Self.configName, config)
        let binary = try PodnetdBinary.locate().path
        guard resolveExecutable("ip") != nil else {
            throw MissingRequirement("`ip` is not installed: run Scripts/deps.sh")
        }
        // Not under the test runner's systemd, if any: no sd_notify from the child unless asked.
        let inherited = ProcessInfo.processInfo.environment.filter {
            !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "NODE_NAME"]
                .contains($0.key)
        }
        pid = try spawnInBackground(
            "ip", ["netns", "exec", namespace.name] + launcher + [binary, "serve", "--config", directory.file(Self.configName)],
            stdoutFile: directory.file("stdout"), stderrFile: directory.file("stderr"),
            environment: inherited.merging(environment) { _, given in given })
    }

    deinit { stop() }

    /// What the daemon has logged so far.
    var stderr: String { directory.read("stderr") }

    // MARK: - Life and death

    /// Whether the process is still running (reaps it if it has exited).
    var isRunning: Bool {
        exitStatus.withLock { status in
            if status != nil { return false }
            status = Self.reap(pid, blocking: false)
            return status == nil
        }
    }

    /// The exit status if it has exited (reaped), else nil.
    var exited: Int32? {
        _ = isRunning
        return exitStatus.withLock { $0 }
    }

    func signal(_ number: Int32) {
        guard isRunning else { return }
        kill(pid, number)
    }

    /// Waits up to `timeout` for the process to exit; its status, or nil if it is still running.
    func waitForExit(timeout: Duration) -> Int32? {
        poll(timeout: timeout, interval: .milliseconds(5)) { exited }.value
    }

    /// Ends the daemon whatever state it is in: SIGTERM, up to 2 s, then SIGKILL. Idempotent.
    func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if waitForExit(timeout: .seconds(2)) != nil { return }
        kill(pid, SIGKILL)
        _ = waitForExit(timeout: .seconds(5))
    }

    /// waitpid: the decoded status once the child has exited, nil while it runs.
    private static func reap(_ pid: pid_t, blocking: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if result == pid { break }
            if result < 0 && errno == EINTR { continue }
            if result < 0 { return -1 }  // not our child any more (already reaped elsewhere)
            return nil
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    // MARK: - Talking to it

    /// Polls `/readyz` until 200; throws with the daemon's stderr when it exits or takes over `timeout`.
    func waitUntilReady(timeout: Duration = .seconds(15)) throws {
        let ready = try poll(timeout: timeout, interval: .milliseconds(50)) { () throws -> Bool? in
            if let status = exited {
                throw ProcessFailure(
                    result: nil, reason: "podnetd serve exited with \(status) before it was ready:\n\(stderr)")
            }
            return try get("/readyz").status == 200 ? true : nil
        }
        guard ready.value != nil else {
            throw ProcessFailure(result: nil, reason: "podnetd serve was not ready after \(timeout):\n\(stderr)")
        }
    }

    /// A response as curl saw it; status 0 when there was none (refused, reset, timed out).
    struct Response: CustomStringConvertible {
        var status: Int
        var contentType: String
        var body: String
        var curlExit: Int32

        var description: String { "HTTP \(status) (\(contentType), curl exit \(curlExit)): \(body.prefix(2000))" }

        /// The body as a JSON object.
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                throw ProcessFailure(result: nil, reason: "not a JSON object: \(body.prefix(500))")
            }
            return object
        }
    }

    private static let marker = "\n@@podnetd-test-curl@@"

    /// `curl` from inside the namespace to `http://127.0.0.1:PORT/PATH`.
    func get(_ path: String, headers: [String] = [], method: String? = nil, head: Bool = false) throws -> Response {
        guard resolveExecutable("curl") != nil else {
            throw MissingRequirement("curl is not installed: run Scripts/deps.sh")
        }
        var command = ["curl", "-s", "--max-time", "5", "-o", "-", "-w", Self.marker + "%{http_code} %{content_type}"]
        if let method { command += ["-X", method] }
        if head { command += ["--head"] }
        for header in headers { command += ["-H", header] }
        command.append("http://127.0.0.1:\(port)\(path)")
        let result = try namespace.run(command, timeout: .seconds(10))
        guard let range = result.stdout.range(of: Self.marker, options: .backwards) else {
            return Response(status: 0, contentType: "", body: result.stdout, curlExit: result.exitCode)
        }
        let trailer = result.stdout[range.upperBound...].split(separator: " ", maxSplits: 1)
        return Response(
            status: Int(trailer.first ?? "") ?? 0, contentType: trailer.count > 1 ? String(trailer[1]) : "",
            body: String(result.stdout[..<range.lowerBound]), curlExit: result.exitCode)
    }

    /// `/status` as JSON, decoded into what the tests look at.
    func status(headers: [String] = []) throws -> StatusSnapshot {
        let response = try get("/status", headers: headers)
        guard response.status == 200 else { throw ProcessFailure(result: nil, reason: "/status: \(response)") }
        return try StatusSnapshot(response.json())
    }

    /// A raw TCP connection to the daemon, opened from inside the namespace.
    func connect() throws -> RawConnection {
        let port = port
        return try namespace.perform { try RawConnection(port: port) }
    }

    /// `count` raw connections, opened from inside the namespace.
    func connect(count: Int) throws -> [RawConnection] {
        let port = port
        return try namespace.perform { try (0..<count).map { _ in try RawConnection(port: port) } }
    }
}

/// The parts of a `/status` document the tests assert on.
struct StatusSnapshot: CustomStringConvertible {
    struct Finding: Hashable, CustomStringConvertible {
        var check: String
        var severity: String
        var object: String
        var firstSeen: String?
        var lastSeen: String?
        var description: String { "\(check) [\(severity)] \(object)" }
    }

    var findings: [Finding]
    var daemon: [String: Any]

    init(_ object: [String: Any]) {
        findings = (object["findings"] as? [[String: Any]] ?? []).map {
            Finding(
                check: $0["check"] as? String ?? "", severity: $0["severity"] as? String ?? "",
                object: $0["object"] as? String ?? "", firstSeen: $0["firstSeen"] as? String,
                lastSeen: $0["lastSeen"] as? String)
        }
        daemon = object["daemon"] as? [String: Any] ?? [:]
    }

    func finding(_ check: String, object: String) -> Finding? {
        findings.first { $0.check == check && $0.object == object }
    }

    /// Findings at warning or critical.
    var problems: [Finding] { findings.filter { $0.severity != "info" } }

    var lastResyncReason: String? { daemon["lastResyncReason"] as? String }
    var pendingFindings: Int? { (daemon["pendingFindings"] as? NSNumber)?.intValue }
    var graceSeconds: Double? { (daemon["graceSeconds"] as? NSNumber)?.doubleValue }

    var description: String { "findings: \(findings), daemon: \(daemon)" }
}
