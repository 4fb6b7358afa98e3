import Foundation
import PodnetTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `Type=notify`: what `podnetd serve` tells systemd through `$NOTIFY_SOCKET`, read from a datagram
/// socket of the test's own standing in for systemd.
@Suite("serve: systemd notifications", .timeLimit(.minutes(1)))
struct SystemdNotifyTests {
    @Test("READY=1 after the first analysis, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on SIGTERM")
    func notifications() throws {
        try withNotifyingDaemon(environment: ["WATCHDOG_USEC": "400000"]) { (daemon, listener) throws in
            let ready = listener.receive(until: { $0.contains("READY=1") }, timeout: .seconds(10))
            #expect(ready.contains { $0.contains("READY=1") }, "no READY=1: \(ready)\n\(daemon.stderr)")
            // By READY=1 the first analysis is published.
            #expect(try daemon.get("/readyz").status == 200)

            // WATCHDOG_USEC 400 ms: a ping every 200 ms while idle.
            let pings = listener.receive(until: { _ in false }, timeout: .milliseconds(1100))
            let watchdogs = pings.filter { $0 == "WATCHDOG=1" }.count
            #expect(watchdogs >= 3, "expected a WATCHDOG=1 about every 200 ms, got \(pings)")

            daemon.signal(SIGTERM)
            let stopping = listener.receive(until: { $0.contains("STOPPING=1") }, timeout: .seconds(2))
            #expect(stopping.contains("STOPPING=1"), "\(stopping)")
            #expect(daemon.waitForExit(timeout: .seconds(2)) == 0)
        }
    }
}

/// Builds a Calico node, starts `podnetd serve` in it with `NOTIFY_SOCKET` pointing at a socket
/// of the test's own (plus `environment`) and runs `body` without waiting for readiness; the
/// daemon, the namespaces and the directory are removed afterwards.
func withNotifyingDaemon(
    environment: [String: String], _ body: (ServedDaemon, NotifySocket) throws -> Void
) throws {
    try requireRootAndIPRoute2()
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let listener = try NotifySocket(path: directory.file("notify.sock"))
    try withCalicoNode(CalicoNodeScenario()) { node in
        let daemon = try ServedDaemon(
            in: node.namespace, directory: directory, config: ServeConfig.text(),
            environment: environment.merging(["NOTIFY_SOCKET": listener.path]) { given, _ in given })
        defer { daemon.stop() }
        try body(daemon, listener)
    }
}

/// A bound AF_UNIX datagram socket, as systemd's notification socket is.
final class NotifySocket {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NamespaceError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw NamespaceError("path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw NamespaceError("bind \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(descriptor) }

    /// Datagrams received until one satisfies `done` or `timeout` passes.
    func receive(until done: (String) -> Bool, timeout: Duration) -> [String] {
        let deadline = ContinuousClock.now + timeout
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let remaining = deadline - ContinuousClock.now
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&poller, 1, milliseconds) > 0 else { continue }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            messages.append(contentsOf: message.split(separator: "\n").map(String.init))
            if done(message) { break }
        }
        return messages
    }
}
