import Foundation
import PodnetTestSupport
import Testing

/// The .deb's unit under a real systemd (252, booted in a container from this machine's root) in a
/// namespace built like a Calico node: install, start, watchdog, reload, IP firewall, sandbox score,
/// stop, a broken config at start, removal.
@Suite("packaged unit under a real systemd")
struct SystemdServiceTests {
    static let config = "/etc/podnetd/podnetd.yaml"

    @Test("dpkg -i enables it; READY=1; watchdog; reload good and bad; firewall; score ≤ 1.0; stop; bad config; dpkg -r/-P")
    func packagedUnitUnderSystemd() throws {
        try requireRootAndIPRoute2()
        let release = try ReleaseArtefacts.built()
        let scenario = CalicoNodeScenario()
        try withNetworkNamespace(purpose: "systemd") { namespace in
            let node = try scenario.build(in: namespace)
            defer { node.tearDown() }
            let systemd = try BootedSystemd(namespace: namespace, bindReadOnly: [release.directory])
            defer { systemd.shutDown() }

            // Install: daemon-reload and enable, not started (the operator reviews the config first).
            let install = try systemd.run(["dpkg", "-i", release.deb], timeout: .seconds(60))
            try #require(install.succeeded, "\(install)")
            #expect(try systemd.run(["systemctl", "is-enabled", "podnetd.service"]).stdout == "enabled\n")
            #expect(try systemd.property("ActiveState") == "inactive")
            #expect(try systemd.property("FragmentPath") == "/lib/systemd/system/podnetd.service")

            // This node's config: serve on loopback and on the node's underlay address too (the
            // unit's IP firewall must drop the latter). WatchdogSec lowered so "survives past the
            // watchdog" takes seconds, not 30.
            let goodConfig = scenario.podnetdConfig
                + "graceSeconds: 0\nlisten: [\"127.0.0.1:9647\", \"\(scenario.nodeIP):9647\"]\n"
            try systemd.write(Self.config, goodConfig)
            try systemd.write("/etc/systemd/system/podnetd.service.d/50-test-watchdog.conf", "[Service]\nWatchdogSec=2s\n")
            try systemd.exec(["systemctl", "daemon-reload"])

            // Type=notify: `systemctl start` returns once READY=1 arrived.
            let start = try systemd.run(["systemctl", "start", "podnetd.service"], timeout: .seconds(70))
            let startJournal = (try? systemd.journal()) ?? ""
            try #require(start.succeeded, "\(start)\n\(startJournal)")
            #expect(try systemd.property("ActiveState") == "active")
            #expect(try systemd.property("SubState") == "running")
            let mainPID = try systemd.property("MainPID")
            #expect(mainPID != "0")
            #expect(try systemd.property("WatchdogUSec") == "2s")

            // Healthy from READY=1 on (with the watchdog on, the loop's first deadline once read as
            // an hour late). Loopback is allowed; a peer on the underlay (the gateway's namespace) is dropped.
            let local = try namespace.run(["curl", "-sS", "-f", "--max-time", "5", "http://127.0.0.1:9647/healthz"])
            #expect(local.succeeded, "\(local)")
            let blocked = try node.underlay.run(
                ["curl", "-sS", "--max-time", "2", "http://\(scenario.nodeIP):9647/healthz"], timeout: .seconds(10))
            #expect(!blocked.succeeded, "the unit's IPAddressDeny=any let a non-loopback peer through: \(blocked)")

            // Past the watchdog interval several times over: same process, no restart.
            Thread.sleep(forTimeInterval: 5)
            #expect(try systemd.property("MainPID") == mainPID)
            #expect(try systemd.property("NRestarts") == "0")
            #expect(try systemd.property("SubState") == "running")
            #expect(try systemd.property("Result") == "success")

            // The live sandbox score.
            let security = try systemd.run(["systemd-analyze", "security", "--no-pager", "podnetd.service"])
            let exposure = try #require(SystemdUnitTests.overallExposure(in: security.stdout), "\(security)")
            print("live systemd-analyze security podnetd.service: \(exposure)")
            #expect(exposure <= 1.0, "\(security.stdout)")

            // Reload with a good config: same process, reloaded.
            try systemd.write(Self.config, goodConfig + "resyncInterval: 30\n")
            try systemd.exec(["systemctl", "reload", "podnetd.service"])
            try Self.waitFor("\"configuration reloaded\" in the journal", systemd) { try systemd.journal().contains("configuration reloaded") }
            #expect(try systemd.property("MainPID") == mainPID)

            // Reload with a broken config: logged with file, line and key; the last good one stays.
            try systemd.write(Self.config, goodConfig + "podCIRDs: [\"10.0.0.0/8\"]\n")
            try systemd.exec(["systemctl", "reload", "podnetd.service"])
            try Self.waitFor("the reload failure in the journal", systemd) {
                try systemd.journal().contains("configuration reload failed, keeping the last good one")
            }
            let journal = try systemd.journal()
            let badLine = goodConfig.split(separator: "\n").count + 1
            #expect(journal.contains("podnetd.yaml:\(badLine): unknown key \"podCIRDs\" (did you mean podCIDRs?)"), "\(journal)")
            #expect(try systemd.property("MainPID") == mainPID)
            #expect(try systemd.property("SubState") == "running")
            let stillReady = try namespace.run(["curl", "-sS", "--max-time", "5", "http://127.0.0.1:9647/readyz"])
            #expect(stillReady.succeeded, "\(stillReady)")

            // Stop: SIGTERM, a clean exit.
            try systemd.exec(["systemctl", "stop", "podnetd.service"], timeout: .seconds(30))
            #expect(try systemd.property("ActiveState") == "inactive")
            #expect(try systemd.property("Result") == "success")
            #expect(try systemd.property("ExecMainStatus") == "0")

            // The control case of the firewall: the same request with the underlay allowed gets in.
            try systemd.write(Self.config, goodConfig)
            try systemd.write(
                "/etc/systemd/system/podnetd.service.d/60-test-allow-underlay.conf",
                "[Service]\nIPAddressAllow=\(scenario.nodeIP)/\(scenario.underlayPrefixLength)\n")
            try systemd.exec(["systemctl", "daemon-reload"])
            try systemd.exec(["systemctl", "start", "podnetd.service"], timeout: .seconds(70))
            let allowed = try node.underlay.run(
                ["curl", "-sS", "-f", "--max-time", "5", "http://\(scenario.nodeIP):9647/healthz"], timeout: .seconds(10))
            #expect(allowed.succeeded, "with the underlay allowed the request must get through: \(allowed)")
            try systemd.exec(["rm", "/etc/systemd/system/podnetd.service.d/60-test-allow-underlay.conf"])
            try systemd.exec(["systemctl", "daemon-reload"])
            try systemd.exec(["systemctl", "stop", "podnetd.service"], timeout: .seconds(30))

            // A broken config at start: the unit fails, the error is in the journal.
            try systemd.write(Self.config, "cni: calico-vxlan\nblockSize: 99\n")
            let failedStart = try systemd.run(["systemctl", "start", "podnetd.service"], timeout: .seconds(70))
            #expect(!failedStart.succeeded, "\(failedStart)")
            // Restart=on-failure: it waits to be tried again ("activating (auto-restart)").
            #expect(try systemd.property("Result") == "exit-code")
            #expect(try systemd.property("ExecMainStatus") == "2")
            #expect(try systemd.property("SubState") == "auto-restart")
            let failedJournal = try systemd.journal()
            #expect(failedJournal.contains("podnetd.yaml:2: blockSize"), "\(failedJournal)")
            try systemd.exec(["systemctl", "stop", "podnetd.service"])
            try systemd.exec(["systemctl", "reset-failed", "podnetd.service"])

            // Removal stops and disables, and keeps the config; purge removes it.
            try systemd.write(Self.config, goodConfig)
            try systemd.exec(["systemctl", "start", "podnetd.service"], timeout: .seconds(70))
            let remove = try systemd.run(["dpkg", "-r", "podnetd"], timeout: .seconds(60))
            #expect(remove.succeeded, "\(remove)")
            #expect(try systemd.property("ActiveState") == "inactive")
            #expect(try systemd.run(["systemctl", "is-enabled", "podnetd.service"]).stdout != "enabled\n")
            #expect(try systemd.run(["test", "-e", "/etc/systemd/system/multi-user.target.wants/podnetd.service"]).exitCode == 1)
            #expect(try systemd.run(["test", "-f", Self.config]).succeeded, "removal must keep the config")
            #expect(try systemd.run(["dpkg", "-P", "podnetd"], timeout: .seconds(60)).succeeded)
            #expect(try systemd.run(["test", "-e", "/etc/podnetd"]).exitCode == 1, "purge must remove /etc/podnetd")
        }
    }

    /// Polls `condition` for up to 10 s (systemd 252's reload returns before SIGHUP was handled).
    static func waitFor(_ what: String, _ systemd: BootedSystemd, _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("no \(what) within 10 s:\n\(try systemd.journal())")
    }
}
