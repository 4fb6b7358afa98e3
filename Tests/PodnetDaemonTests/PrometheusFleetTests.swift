import Foundation
import PodnetTestSupport
import Testing

/// The shipped alert rules against a real Prometheus: three podnetd "nodes" (Calico nodes in
/// namespaces of their own, each daemon with its own nodeName), scraped over veths from the
/// namespace Prometheus runs in. Breaking one node's VXLAN route fires PodnetdVXLANRouteMissing
/// for that node only, naming it and its block; restoring the route resolves it.
@Suite(.serialized) struct PrometheusFleetTests {
    /// alerts.yaml with every `for:` at 2 s and evaluation every second, so the test takes seconds;
    /// the expressions and annotations are the shipped ones.
    static func fastRules() throws -> String {
        let path = PodnetdBinary.repositoryRoot() + "/Config/alerts.yaml"
        let shipped = try String(contentsOfFile: path, encoding: .utf8)
        var lines: [String] = []
        var durations = 0
        for line in shipped.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            let indent = String(repeating: " ", count: line.count - trimmed.count)
            if trimmed.hasPrefix("for: ") {
                lines.append(indent + "for: 2s")
                durations += 1
            } else if trimmed.hasPrefix("interval: ") {
                lines.append(indent + "interval: 1s")
            } else {
                lines.append(String(line))
            }
        }
        #expect(durations >= 10, "alerts.yaml should have a for: per rule")
        return lines.joined(separator: "\n")
    }

    @Test("a broken VXLAN route on one of three nodes fires PodnetdVXLANRouteMissing for that node only, then resolves")
    func alertFiresForTheBrokenNodeOnly() throws {
        try requireRootAndIPRoute2()
        guard resolveExecutable("curl") != nil else {
            throw MissingRequirement("curl is not installed: run Scripts/deps.sh")
        }
        let rules = try Self.fastRules()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let monitoring = try NetworkNamespace(purpose: "prom")
        defer { monitoring.delete() }

        let names = ["node-a", "node-b", "node-c"]
        var nodes: [CalicoNode] = []
        var namespaces: [NetworkNamespace] = []
        var daemons: [ServedDaemon] = []
        defer {
            daemons.forEach { $0.stop() }
            nodes.forEach { $0.tearDown() }
            namespaces.forEach { $0.delete() }
        }
        var targets: [String] = []
        for (index, name) in names.enumerated() {
            let namespace = try NetworkNamespace(purpose: name)
            namespaces.append(namespace)
            nodes.append(try CalicoNodeScenario().build(in: namespace))
            // The scrape link: 10.200.N.1 on Prometheus' side, 10.200.N.2 on the node's.
            let subnet = "10.200.\(index + 1)"
            try monitoring.ip(
                "link", "add", "scrape\(index + 1)", "type", "veth", "peer", "name", "scrape0", "netns", namespace.name)
            try monitoring.ip("addr", "add", "\(subnet).1/24", "dev", "scrape\(index + 1)")
            try monitoring.ip("link", "set", "scrape\(index + 1)", "up")
            try namespace.ip("addr", "add", "\(subnet).2/24", "dev", "scrape0")
            try namespace.ip("link", "set", "scrape0", "up")
            let daemon = try ServedDaemon(
                in: namespace, directory: directory.subdirectory(name),
                config: ServeConfig.text(extra: "nodeName: \(name)\nlisten: [\"127.0.0.1:9647\", \"\(subnet).2:9647\"]")
            )
            daemons.append(daemon)
            targets.append("\(subnet).2:9647")
        }
        for daemon in daemons { try daemon.waitUntilReady() }
        for (daemon, name) in zip(daemons, names) {
            let status = try daemon.status()
            #expect(status.daemon["node"] as? String == name)
            #expect(status.daemon["nodeSource"] as? String == "config")
            #expect(status.problems.isEmpty, "\(name) is not healthy: \(status)")
        }

        let prometheus = try ServedPrometheus(in: monitoring, directory: directory, targets: targets, rules: rules)
        defer { prometheus.stop() }
        let clock = ContinuousClock()
        let started = clock.now
        let allUp = try poll(timeout: .seconds(60), interval: .milliseconds(250)) { () throws -> Bool? in
            let health = (try? prometheus.targetHealth()) ?? [:]
            return health.count == 3 && health.values.allSatisfy { $0 == "up" } ? true : nil
        }
        #expect(
            allUp.value == true,
            "targets: \(String(describing: try? prometheus.targetHealth()))\n\(prometheus.log.suffix(3000))")
        // Healthy fleet: nothing pending or firing after a few evaluations.
        pause(.seconds(4))
        #expect(try prometheus.alerts().isEmpty, "\((try? prometheus.alerts()) ?? [])")

        // Break node-b.
        try nodes[1].deleteRemoteRoute()
        let broken = clock.now
        let fired = try poll(timeout: .seconds(60), interval: .milliseconds(200)) {
            () throws -> [ServedPrometheus.Alert]? in
            let firing = try prometheus.alerts().filter { $0.state == "firing" }
            return firing.isEmpty ? nil : firing
        }
        let firedAfter = clock.now - broken
        let firing = try #require(fired.value, "no alert fired within 60 s: \((try? prometheus.alerts()) ?? [])")
        print(
            "prometheus-fleet: targets up after \(String(format: "%.1f", (broken - started).seconds)) s; firing \(String(format: "%.1f", firedAfter.seconds)) s after the route was deleted: \(firing)"
        )
        #expect(firing.count == 1, "\(firing)")
        let alert = try #require(firing.first)
        #expect(alert.name == "PodnetdVXLANRouteMissing")
        #expect(alert.labels["node"] == "node-b")
        #expect(alert.labels["instance"] == "10.200.2.2:9647")
        #expect(alert.labels["severity"] == "critical")
        #expect(alert.annotations["summary"] == "Remote pod blocks have no VXLAN route on node node-b")
        #expect(
            alert.annotations["description"]?.hasSuffix("Affected: 192.168.35.0/26.") == true, "\(alert.annotations)")
        #expect(alert.annotations["runbook_url"] == "docs/runbooks.md#podnetdvxlanroutemissing")
        // Still only node-b a couple of evaluations later.
        pause(.seconds(2))
        #expect(try prometheus.alerts().map { $0.labels["node"] } == ["node-b"], "\((try? prometheus.alerts()) ?? [])")

        // Restore it: the alert resolves.
        try nodes[1].restoreRemoteRoute()
        let restored = clock.now
        let resolved = try poll(timeout: .seconds(60), interval: .milliseconds(200)) { () throws -> Bool? in
            try prometheus.alerts().isEmpty ? true : nil
        }
        #expect(
            resolved.value == true,
            "alert still active 60 s after the route returned: \((try? prometheus.alerts()) ?? [])")
        print(
            "prometheus-fleet: resolved \(String(format: "%.1f", (clock.now - restored).seconds)) s after the route was restored"
        )
    }
}
