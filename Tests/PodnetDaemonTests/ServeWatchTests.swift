import Foundation
import PodnetTestSupport
import Testing

/// The live netlink watch: kernel changes reach `/status` within moments, with no resync
/// (`resyncInterval: 3600`), and the grace period holds new findings back.
@Suite("serve: live watch", .timeLimit(.minutes(1)))
struct ServeWatchTests {
    static let block = "192.168.35.0/26"

    /// Polls `/status` until `check` for `block` is shown (`present`) or gone; the snapshot and the time taken.
    func waitFor(
        _ check: String, present: Bool, daemon: ServedDaemon, timeout: Duration = .seconds(5)
    ) throws -> (status: StatusSnapshot?, elapsed: Duration) {
        let result = try poll(timeout: timeout, interval: .milliseconds(20)) { () throws -> StatusSnapshot? in
            let status = try daemon.status()
            return (status.finding(check, object: Self.block) != nil) == present ? status : nil
        }
        return (result.value, result.elapsed)
    }

    @Test(
        "with grace 0, deleting and restoring the remote VXLAN route and its neighbour shows and clears findings within 5 s, without a resync"
    )
    func routeAndNeighbourChangesAreSeenLive() throws {
        try withServedDaemon { node, daemon in
            let before = try daemon.status()
            #expect(before.problems == [], "the node starts healthy: \(before)")

            try node.deleteRemoteRoute()
            let missing = try waitFor("vxlan-route-missing", present: true, daemon: daemon)
            let shown = try #require(
                missing.status, "vxlan-route-missing \(Self.block) did not show within 5 s\n\(daemon.stderr)")
            #expect(shown.finding("vxlan-route-missing", object: Self.block)?.severity == "critical")
            #expect(shown.lastResyncReason == "startup", "seen through a netlink event, not a resync: \(shown.daemon)")
            #expect(daemon.stderr.contains("finding appeared"), "appearance logged:\n\(daemon.stderr)")

            try node.restoreRemoteRoute()
            let restored = try waitFor("vxlan-route-missing", present: false, daemon: daemon)
            #expect(restored.status != nil, "vxlan-route-missing did not clear within 5 s\n\(daemon.stderr)")
            #expect(restored.status?.problems == [], "\(String(describing: restored.status))")

            try node.deleteNeighbour()
            let unresolved = try waitFor("vxlan-route-unresolved", present: true, daemon: daemon)
            let shownUnresolved = try #require(
                unresolved.status, "vxlan-route-unresolved \(Self.block) did not show within 5 s\n\(daemon.stderr)")
            #expect(shownUnresolved.lastResyncReason == "startup", "\(shownUnresolved.daemon)")

            try node.restoreNeighbour()
            let resolved = try waitFor("vxlan-route-unresolved", present: false, daemon: daemon)
            let final = try #require(
                resolved.status, "vxlan-route-unresolved did not clear within 5 s\n\(daemon.stderr)")
            #expect(final.problems == [], "\(final)")
            #expect(final.lastResyncReason == "startup", "\(final.daemon)")
            #expect(daemon.stderr.contains("finding resolved"), "resolution logged:\n\(daemon.stderr)")

            let exposition = try Exposition(try daemon.get("/metrics").body)
            #expect(
                (exposition.value("podnetd_netlink_events_total") ?? 0) >= 4,
                "\(exposition.series("podnetd_netlink_events_total"))")
            #expect(exposition.series("podnetd_resyncs_total").map { $0.labels["reason"] } == ["startup"])
            // Every series names the node /status names (no nodeName, no NODE_NAME here: the hostname).
            let status = try daemon.status()
            let node = try #require(status.daemon["node"] as? String)
            #expect(["hostname", "calico-nodename"].contains(status.daemon["nodeSource"] as? String ?? ""))
            #expect(exposition.samples.allSatisfy { $0.labels["node"] == node }, "\(exposition.samples.prefix(3))")
            print(
                "detection: route missing after \(missing.elapsed), cleared after \(restored.elapsed); "
                    + "neighbour unresolved after \(unresolved.elapsed), cleared after \(resolved.elapsed)")
        }
    }

    @Test("with grace 2 s a new finding is pending, not shown, for 2 s, then shown with firstSeen and lastSeen")
    func graceHoldsFindingsBack() throws {
        try withServedDaemon(config: { _ in ServeConfig.text(graceSeconds: 2) }) { node, daemon in
            #expect(try daemon.status().problems == [])
            let clock = ContinuousClock()
            let deleted = clock.now
            try node.deleteRemoteRoute()

            // Inside the grace period: the daemon has seen it (pending) but does not report it. An
            // answer that arrived less than 2 s after the deletion was made less than 2 s after it.
            var sawPending = false
            var answers = 0
            while clock.now - deleted < .milliseconds(1700) {
                let status = try daemon.status()
                let answeredWithin = clock.now - deleted
                if answeredWithin < .milliseconds(1950) {
                    answers += 1
                    #expect(
                        status.finding("vxlan-route-missing", object: Self.block) == nil,
                        "shown \(answeredWithin) after the deletion, inside the 2 s grace period")
                }
                if (status.pendingFindings ?? 0) >= 1 { sawPending = true }
                pause(.milliseconds(100))
            }
            #expect(answers >= 5, "only \(answers) answers inside the grace period")
            #expect(sawPending, "the daemon never counted the finding as pending")

            let shown = try waitFor("vxlan-route-missing", present: true, daemon: daemon)
            let total = clock.now - deleted
            let status = try #require(shown.status, "not shown within 5 s after the grace period\n\(daemon.stderr)")
            #expect(total >= .milliseconds(1950), "shown after \(total), before the grace period ended")
            #expect(total < .seconds(4), "shown only after \(total)")
            #expect(status.graceSeconds == 2)
            let finding = try #require(status.finding("vxlan-route-missing", object: Self.block))
            let firstSeen = try #require(
                finding.firstSeen.flatMap { try? Date($0, strategy: .iso8601) }, "firstSeen: \(finding)")
            let lastSeen = try #require(
                finding.lastSeen.flatMap { try? Date($0, strategy: .iso8601) }, "lastSeen: \(finding)")
            #expect(lastSeen.timeIntervalSince(firstSeen) >= 2, "firstSeen \(firstSeen), lastSeen \(lastSeen)")
            #expect(abs(firstSeen.timeIntervalSinceNow) < 30)
        }
    }
}
