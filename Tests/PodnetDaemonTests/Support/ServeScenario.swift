import Foundation
import PodnetTestSupport

/// The config the end-to-end tests start from: the Calico node of `CalicoNodeScenario` with its one
/// remote block expected, a known maxPods and instance type (so no capacity guesswork), and no
/// periodic resync during a test (a finding that shows must have come from a netlink event).
enum ServeConfig {
    static func text(graceSeconds: Int = 0, extra: String = "") -> String {
        CalicoNodeScenario().podnetdConfig + "graceSeconds: \(graceSeconds)\nresyncInterval: 3600\n"
            + (extra.isEmpty ? "" : extra + "\n")
    }
}

/// Builds a Calico node in fresh namespaces, starts `podnetd serve` in it with the config
/// `config(directory)` returns, waits until it is ready and runs `body`. Afterwards, whether `body`
/// returned or threw, the daemon is stopped (SIGTERM, then SIGKILL), and the namespaces and the
/// test's directory are deleted.
func withServedDaemon<T>(
    _ scenario: CalicoNodeScenario = CalicoNodeScenario(),
    config: (TemporaryDirectory) throws -> String = { _ in ServeConfig.text() },
    _ body: (CalicoNode, ServedDaemon) throws -> T
) throws -> T {
    try requireRootAndIPRoute2()
    guard resolveExecutable("curl") != nil else {
        throw MissingRequirement("curl is not installed: run Scripts/deps.sh")
    }
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try withCalicoNode(scenario) { node in
        let daemon = try ServedDaemon(in: node.namespace, directory: directory, config: try config(directory))
        defer { daemon.stop() }
        try daemon.waitUntilReady()
        return try body(node, daemon)
    }
}
