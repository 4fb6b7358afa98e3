import Foundation
import PodnetTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `podnetd serve` when netlink dumps fail (a shim preloaded into the daemon makes libnl's `nl_send`
/// fail): it must neither claim to be ready nor healthy on a snapshot it never read.
@Suite("serve: netlink dumps failing", .timeLimit(.minutes(1)))
struct ServeReadFailureTests {
    /// Builds the preload shim with the system C compiler.
    static func failingSendShim(in directory: TemporaryDirectory) throws -> String {
        try PreloadShim.build(
            "failsend", source: "int nl_send(void *socket, void *message) { (void)socket; (void)message; return -1; }\n",
            in: directory)
    }

    @Test("when the first dump fails: not ready, /healthz 503 naming the netlink problem, no READY=1, still running")
    func firstDumpFails() throws {
        try requireRootAndIPRoute2()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let shim = try Self.failingSendShim(in: directory)
        let listener = try NotifySocket(path: directory.file("notify.sock"))
        try withCalicoNode(CalicoNodeScenario()) { node in
            let daemon = try ServedDaemon(
                in: node.namespace, directory: directory, config: ServeConfig.text(),
                environment: ["LD_PRELOAD": shim, "NOTIFY_SOCKET": listener.path])
            defer { daemon.stop() }
            // Serving starts before the first dump; give the loop a few retries, with events flowing.
            Thread.sleep(forTimeInterval: 1.0)
            try node.deleteBlackhole()
            let messages = listener.receive(until: { _ in false }, timeout: .milliseconds(1500))

            #expect(daemon.isRunning, "\(daemon.stderr)")
            #expect(!messages.contains("READY=1"), "READY=1 without a snapshot: \(messages)")
            let ready = try daemon.get("/readyz")
            #expect(ready.status == 503, "\(ready)")
            let health = try daemon.get("/healthz")
            #expect(health.status == 503, "\(health)")
            #expect(health.body.contains("cannot read the network state"), "\(health)")
            #expect(try daemon.get("/status").status == 503)
            // Logged once, not every second.
            let logged = daemon.stderr.components(separatedBy: "cannot read the network state").count - 1
            #expect(logged == 1, "logged \(logged) times:\n\(daemon.stderr)")
        }
    }
}
