import Foundation
import PodnetTestSupport

/// A real systemd (this machine's own root file system, booted with systemd-nspawn as PID 1 of a
/// container) in a network namespace of the test's. Nothing persists: the root is an overlay on a
/// tmpfs. Commands run inside through `nsenter` into the container's PID 1.
///
/// Pitfalls measured on these machines (real-systemd.md): nspawn refuses `/` itself, so a
/// non-recursive bind of `/` in a private mount namespace is booted; nspawn's own seccomp filter
/// blocks bpf(), which silently disables a unit's IPAddressDeny=, hence `--system-call-filter=bpf`;
/// no machined runs, hence `--register=no --keep-unit`, which leaves `payload`/`supervisor` cgroups
/// in the caller's cgroup behind (removed here, and the reason two boots never run at once).
final class BootedSystemd: @unchecked Sendable {
    // @unchecked: fields are set in init and only read afterwards.
    let nspawnPID: pid_t
    let leaderPID: pid_t
    let log: String
    private let mountPoint: String
    private let lock: Int32

    static let lockFile = "/run/lock/podnetd-test-nspawn.lock"

    /// Boots to `basic.target` (the host's enabled services stay down) and waits until it is up.
    /// `bindReadOnly`: host directories made visible at the same path inside.
    init(namespace: NetworkNamespace, bindReadOnly: [String]) throws {
        for tool in ["systemd-nspawn", "nsenter", "unshare"] where resolveExecutable(tool) == nil {
            throw MissingRequirement("\(tool) is not installed: run `sudo bash Scripts/deps.sh` (systemd-container)")
        }
        lock = open(Self.lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else {
            throw MissingRequirement("cannot lock \(Self.lockFile): \(String(cString: strerror(errno)))")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-nspawn-\(UUID().uuidString)").path
        mountPoint = scratch + "/root"
        log = scratch + "/console.log"
        do {
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            var nspawn = [
                "systemd-nspawn", "--quiet", "--directory=\(mountPoint)", "--volatile=overlay", "--register=no",
                "--keep-unit", "--system-call-filter=bpf", "--network-namespace-path=\(namespace.path)",
                "--console=read-only", "--tmpfs=/tmp",
            ]
            nspawn += bindReadOnly.map { "--bind-ro=\($0)" }
            nspawn += ["-b", "--", "systemd.unit=basic.target"]
            let script = "mount --bind / \(mountPoint) && exec " + nspawn.joined(separator: " ")
            nspawnPID = try spawnInBackground(
                "unshare", ["-m", "--propagation", "private", "sh", "-c", script], stdoutFile: log, stderrFile: log)
        } catch {
            flock(lock, LOCK_UN)
            close(lock)
            throw error
        }
        var leader: pid_t = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if leader == 0 { leader = Self.child(of: nspawnPID, named: "systemd") ?? 0 }
            if leader != 0, FileManager.default.fileExists(atPath: "/proc/\(leader)/root/run/systemd/private") { break }
            if waitpid(nspawnPID, nil, WNOHANG) == nspawnPID { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        leaderPID = leader
        guard leader != 0, FileManager.default.fileExists(atPath: "/proc/\(leader)/root/run/systemd/private") else {
            let console = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            shutDown()
            throw MissingRequirement("systemd did not boot in the container within 30 s:\n\(console.suffix(3000))")
        }
        let running = try run(["systemctl", "is-system-running", "--wait"], timeout: .seconds(30))
        guard ["running", "degraded"].contains(running.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            shutDown()
            throw MissingRequirement("systemd in the container did not finish booting: \(running)")
        }
    }

    deinit { shutDown() }

    /// Runs a command inside the container (all its namespaces); the result whatever the exit status.
    func run(_ command: [String], timeout: Duration = .seconds(30), input: String? = nil) throws -> ProcessResult {
        try runProcess(
            "nsenter", ["-t", String(leaderPID), "-a"] + command, timeout: timeout, input: input,
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0", "LANG": "C.UTF-8"])
    }

    /// Runs a command inside and throws unless it succeeds; returns its stdout.
    @discardableResult
    func exec(_ command: [String], timeout: Duration = .seconds(30), input: String? = nil) throws -> String {
        let result = try run(command, timeout: timeout, input: input)
        guard result.succeeded else { throw ProcessFailure(result: result, reason: "in the container") }
        return result.stdout
    }

    /// Writes a file inside the container.
    func write(_ path: String, _ text: String) throws {
        try exec(["sh", "-c", "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"", "sh", path], input: text)
    }

    /// `systemctl show -p NAME --value UNIT`.
    func property(_ name: String, of unit: String = "podnetd.service") throws -> String {
        try exec(["systemctl", "show", "-p", name, "--value", unit]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The unit's journal since boot, message text only.
    func journal(_ unit: String = "podnetd.service") throws -> String {
        try exec(["journalctl", "--no-pager", "-o", "cat", "-u", unit])
    }

    private var stopped = false

    /// Powers the container off (SIGKILL to nspawn after 10 s) and removes what nspawn leaves behind.
    func shutDown() {
        if stopped { return }
        stopped = true
        if leaderPID != 0 { _ = try? run(["systemctl", "poweroff", "--no-block"], timeout: .seconds(10)) }
        let deadline = ContinuousClock.now + .seconds(10)
        var exited = false
        while ContinuousClock.now < deadline {
            if waitpid(nspawnPID, nil, WNOHANG) == nspawnPID {
                exited = true
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        if !exited {
            kill(nspawnPID, SIGKILL)
            if leaderPID != 0 { kill(leaderPID, SIGKILL) }
            waitpid(nspawnPID, nil, 0)
        }
        for hierarchy in ["systemd", "unified"] {
            for leftover in ["payload", "supervisor"] {
                Self.removeCgroupTree("/sys/fs/cgroup/\(hierarchy)/\(Self.ownCgroup(hierarchy))/\(leftover)")
            }
        }
        try? FileManager.default.removeItem(atPath: "/run/systemd/nspawn")
        try? FileManager.default.removeItem(atPath: (mountPoint as NSString).deletingLastPathComponent)
        flock(lock, LOCK_UN)
        close(lock)
    }

    /// A child process of `parent` whose command name is `name`.
    static func child(of parent: pid_t, named name: String) -> pid_t? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let comm = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if comm == name, fields.count > 1, pid_t(fields[1]) == parent { return pid }
        }
        return nil
    }

    /// This process's cgroup path in a hierarchy ("systemd" = name=systemd v1, "unified" = v2).
    static func ownCgroup(_ hierarchy: String) -> String {
        let lines = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8))?.split(separator: "\n") ?? []
        for line in lines {
            // "9:name=systemd:/path" (v1) or "0::/path" (v2).
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let matches = hierarchy == "unified" ? parts[0] == "0" && parts[1].isEmpty : parts[1] == "name=" + hierarchy
            if matches { return String(parts[2]) }
        }
        return "/"
    }

    /// rmdir of a cgroup and its children, deepest first (cgroup directories hold no files to remove).
    static func removeCgroupTree(_ path: String) {
        guard let children = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for child in children {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + child, isDirectory: &isDirectory), isDirectory.boolValue {
                removeCgroupTree(path + "/" + child)
            }
        }
        rmdir(path)
    }
}
