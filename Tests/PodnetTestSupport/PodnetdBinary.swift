import Foundation

/// The built `podnetd` executable, for tests that run it as a process.
public struct PodnetdBinary: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Finds `podnetd`: `$PODNETD_BIN` if set; else next to the running test bundle (the same build
    /// directory and configuration as the tests, whatever `--scratch-path` was used); else
    /// `<repo>/.build/debug/podnetd`, the repository found from this source file's path.
    public static func locate(filePath: String = #filePath) throws -> PodnetdBinary {
        let manager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["PODNETD_BIN"], !explicit.isEmpty {
            guard manager.isExecutableFile(atPath: explicit) else {
                throw MissingRequirement("PODNETD_BIN=\(explicit) is not an executable file")
            }
            return PodnetdBinary(path: explicit)
        }
        var candidates: [String] = []
        if let bundleDirectory = testBundleDirectory() { candidates.append(bundleDirectory + "/podnetd") }
        candidates.append(repositoryRoot(filePath: filePath) + "/.build/debug/podnetd")
        for candidate in candidates where manager.isExecutableFile(atPath: candidate) {
            return PodnetdBinary(path: candidate)
        }
        throw MissingRequirement(
            "podnetd executable not found (looked at \(candidates.joined(separator: ", "))): "
                + "run `swift build --product podnetd` or set PODNETD_BIN")
    }

    /// The repository root: three levels above `Tests/PodnetTestSupport/<file>.swift`.
    public static func repositoryRoot(filePath: String = #filePath) -> String {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The directory of the running test executable (`/proc/self/exe`, e.g. `.build/debug/`).
    static func testBundleDirectory() -> String? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return nil
        }
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On platforms where the tests are a bundle (`….xctest/Contents/MacOS/…`), step out of it.
        while directory.path.contains(".xctest") { directory = directory.deletingLastPathComponent() }
        return directory.path
    }

    /// Runs `podnetd ARGUMENTS…`, inside `namespace` when given (`ip netns exec`), and returns its
    /// exit code and output (killed after `timeout`). Does not throw for a non-zero exit.
    /// `unprivileged`: as uid/gid 65534 (nobody) with no capabilities at all (`setpriv`).
    public func run(
        _ arguments: [String], in namespace: NetworkNamespace? = nil, unprivileged: Bool = false,
        timeout: Duration = .seconds(30), environment: [String: String]? = nil
    ) throws -> ProcessResult {
        var command = [path] + arguments
        if unprivileged { command = PodnetdBinary.unprivilegedPrefix + command }
        if let namespace { command = ["ip", "netns", "exec", namespace.name] + command }
        return try runProcess(command[0], Array(command.dropFirst()), timeout: timeout, environment: environment)
    }

    /// `setpriv` dropping to nobody (65534:65534), no supplementary groups, no capabilities.
    public static let unprivilegedPrefix = [
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
    ]
}
