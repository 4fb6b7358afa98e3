import Foundation
import PodnetTestSupport

/// A fresh Debian 12 minimal root with the distribution's libnl and nothing of Swift: a node that
/// never saw a build tool. Made by mmdebstrap once and cached as a tarball under .cache/
/// (gitignored); every test extracts its own copy and removes it afterwards.
final class DebianRoot: @unchecked Sendable {
    // @unchecked: `mounts` changes only on the test's own thread.
    static let packages = ["libnl-3-200", "libnl-route-3-200"]
    static let cacheTarball = Repository.path(".cache/debian-bookworm-minbase-\(packages.joined(separator: "+")).tar")

    let path: String
    private var mounts: [String] = []

    init() throws {
        try Self.cached.get()
        path = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-debian-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        do {
            try runChecked("tar", ["-xf", Self.cacheTarball, "-C", path], timeout: .seconds(300))
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    deinit {
        for mount in mounts.reversed() { _ = try? runProcess("umount", ["-l", mount]) }
        // Refuse to remove anything if a mount is still there (rm would cross into it).
        let stillMounted = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8))?.contains(" \(path)/") ?? true
        if !stillMounted { try? FileManager.default.removeItem(atPath: path) }
    }

    /// Mounts a fresh procfs at /proc of the root (removed with the root).
    func mountProc() throws {
        try runChecked("mount", ["-t", "proc", "proc", path + "/proc"])
        mounts.append(path + "/proc")
    }

    /// Copies a host file into the root and returns its path inside the root.
    @discardableResult
    func copyIn(_ hostFile: String, to inside: String) throws -> String {
        let target = path + inside
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: hostFile, toPath: target)
        return inside
    }

    /// Writes `text` to a file inside the root.
    func write(_ inside: String, _ text: String) throws {
        let target = path + inside
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
    }

    func read(_ inside: String) throws -> String { try String(contentsOfFile: path + inside, encoding: .utf8) }
    func exists(_ inside: String) -> Bool { FileManager.default.fileExists(atPath: path + inside) }

    /// `chroot ROOT COMMAND…`, inside `namespace` when given; the result whatever the exit status.
    func run(_ command: [String], in namespace: NetworkNamespace? = nil, timeout: Duration = .seconds(60)) throws -> ProcessResult {
        let chrooted = ["chroot", path] + command
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"]
        if let namespace {
            return try runProcess("ip", ["netns", "exec", namespace.name] + chrooted, timeout: timeout, environment: environment)
        }
        return try runProcess(chrooted[0], Array(chrooted.dropFirst()), timeout: timeout, environment: environment)
    }

    /// The cached tarball, made once per test run when missing (about 20 s on a quiet machine).
    private static let cached: Result<Void, Error> = Result {
        if FileManager.default.fileExists(atPath: cacheTarball) { return }
        guard resolveExecutable("mmdebstrap") != nil else {
            throw MissingRequirement("mmdebstrap is not installed: run `sudo bash Scripts/deps.sh`")
        }
        try FileManager.default.createDirectory(
            atPath: (cacheTarball as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let partial = cacheTarball + ".partial-\(getpid()).tar"
        let made = try runProcess(
            "mmdebstrap", ["--variant=minbase", "--include=" + packages.joined(separator: ","), "bookworm", partial],
            timeout: .seconds(900))
        guard made.succeeded else {
            try? FileManager.default.removeItem(atPath: partial)
            throw ProcessFailure(result: made, reason: "mmdebstrap could not make a Debian 12 root")
        }
        try FileManager.default.moveItem(atPath: partial, toPath: cacheTarball)
    }
}
