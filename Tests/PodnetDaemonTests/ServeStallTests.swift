import Foundation
import PodnetTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon never stalls while /healthz says 200: reloads that cannot be read do not stop the
/// watch loop, and a loop that does stop turning shows in /healthz and in the systemd watchdog.
@Suite("serve: no silent stalls", .timeLimit(.minutes(1)))
struct ServeStallTests {
    static let block = "192.168.35.0/26"

    func waitForLog(_ text: String, daemon: ServedDaemon, timeout: Duration = .seconds(5)) -> Duration? {
        let result = poll(timeout: timeout, interval: .milliseconds(10)) { daemon.stderr.contains(text) ? true : nil }
        return result.value == nil ? nil : result.elapsed
    }

    @Test("a FIFO as the config: SIGHUP is refused at once, the loop still reports a deleted route, SIGTERM stops it")
    func fifoConfigReload() throws {
        try withServedDaemon { node, daemon in
            // Replace the config with a FIFO no one writes to: open() on it blocked for ever before.
            try FileManager.default.removeItem(atPath: daemon.configPath)
            guard mkfifo(daemon.configPath, 0o600) == 0 else {
                throw MissingRequirement("mkfifo \(daemon.configPath): \(String(cString: strerror(errno)))")
            }
            daemon.signal(SIGHUP)
            let refused = waitForLog("configuration reload failed", daemon: daemon)
            #expect(refused != nil, "no reload failure logged:\n\(daemon.stderr)")
            #expect(daemon.stderr.contains("is a FIFO (named pipe), not a regular file"), "\(daemon.stderr)")

            try node.deleteRemoteRoute()
            let missing = try poll(timeout: .seconds(5), interval: .milliseconds(20)) { () throws -> Bool? in
                try daemon.status().finding("vxlan-route-missing", object: Self.block) != nil ? true : nil
            }
            #expect(missing.value != nil, "the deleted route was not reported after the FIFO reload\n\(daemon.stderr)")
            #expect(try daemon.get("/healthz").status == 200)

            daemon.signal(SIGTERM)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(daemon.waitForExit(timeout: .seconds(3)) == 0, "SIGTERM did not stop it\n\(daemon.stderr)")
            #expect(clock.now - start < .seconds(3))
        }
    }

    @Test("a 400,000-character instanceType is rejected on reload within a second, and the loop keeps watching")
    func hugeInstanceTypeReload() throws {
        try withServedDaemon { node, daemon in
            let huge = String(repeating: "m5.large", count: 50_000)
            let config = ServeConfig.text().replacingOccurrences(
                of: "instanceType: m5.large", with: "instanceType: \(huge)")
            #expect(config.contains(huge))
            try daemon.directory.write(ServedDaemon.configName, config)
            daemon.signal(SIGHUP)
            let rejected = waitForLog("configuration reload failed", daemon: daemon)
            let elapsed = try #require(rejected, "no reload failure logged:\n\(daemon.stderr.prefix(2000))")
            #expect(elapsed < .seconds(1), "rejecting the value took \(elapsed)")
            let line = daemon.stderr.split(separator: "\n").first { $0.contains("configuration reload failed") } ?? ""
            #expect(
                line.contains("instanceType: expected auto or an EC2 instance type, got a value of 400000 bytes"),
                "\(line.prefix(600))")
            #expect(line.count < 600, "the value is not echoed whole: \(line.count) characters")

            try node.deleteRemoteRoute()
            let missing = try poll(timeout: .seconds(5), interval: .milliseconds(20)) { () throws -> Bool? in
                try daemon.status().finding("vxlan-route-missing", object: Self.block) != nil ? true : nil
            }
            #expect(missing.value != nil, "\(daemon.stderr.suffix(2000))")
        }
    }

    @Test("a stalled watch loop: /healthz turns 503 within the slack and WATCHDOG=1 stops; both recover after")
    func stalledLoopFailsHealthAndWatchdog() throws {
        // The test hook blocks the loop for 14 s when it applies a reload: a loop stuck in a call.
        let environment = ["WATCHDOG_USEC": "400000", "PODNETD_TEST_STALL_LOOP_ON_RELOAD_MS": "14000"]
        try withNotifyingDaemon(environment: environment) { daemon, listener in
            try daemon.waitUntilReady()
            let before = listener.receive(until: { _ in false }, timeout: .seconds(1))
            #expect(before.filter { $0 == "WATCHDOG=1" }.count >= 3, "pings before the stall: \(before)")
            #expect(try daemon.get("/healthz").status == 200)

            daemon.signal(SIGHUP)
            let reloading = listener.receive(until: { $0.contains("RELOADING=1") }, timeout: .seconds(3))
            #expect(reloading.contains("RELOADING=1"), "\(reloading)")
            // The loop wakes within moments and blocks; a ping already under way may still arrive.
            pause(.milliseconds(300))
            let clock = ContinuousClock()
            let stallStart = clock.now
            var during: [String] = []
            var unhealthy: (after: Duration, body: String)?
            while clock.now - stallStart < .seconds(12) {
                during += listener.receive(until: { _ in false }, timeout: .milliseconds(250))
                let health = try daemon.get("/healthz")
                if unhealthy == nil, health.status == 503 { unhealthy = (clock.now - stallStart, health.body) }
            }
            #expect(!during.contains("WATCHDOG=1"), "the watchdog was pinged while the loop was stalled: \(during)")
            let failed = try #require(unhealthy, "/healthz stayed 200 for 12 s of a stalled loop")
            #expect(failed.body.contains("watch loop is stalled"), "\(failed.body)")
            #expect(failed.after < .seconds(11), "503 only after \(failed.after)")

            // The stall ends after 14 s: pings and health return.
            let after = listener.receive(until: { $0 == "WATCHDOG=1" }, timeout: .seconds(5))
            #expect(after.contains("WATCHDOG=1"), "no ping after the stall: \(after)")
            let healthy = try poll(timeout: .seconds(3), interval: .milliseconds(50)) {
                try daemon.get("/healthz").status == 200 ? true : nil
            }
            #expect(healthy.value != nil)
        }
    }
}
