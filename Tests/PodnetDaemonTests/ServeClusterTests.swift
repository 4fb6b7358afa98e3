import Foundation
import PodnetTestSupport
import Testing

/// `podnetd serve` with the cluster's view from the HTTPS API stand-in in the node's namespace.
@Suite("serve: the cluster's view", .serialized, .timeLimit(.minutes(2)))
struct ServeClusterTests {
    /// This node's Node name, given to the daemon as `nodeName` (independent of the machine's hostname).
    static let localName = "node-local"

    static var objects: [String: [[String: Any]]] { KubeObjects.scenarioCluster(localName: localName) }

    /// A Calico node, the stand-in beside it (answering lists as `lists` says), and `podnetd serve`
    /// reading both, with `kubernetesKeys` (indented lines) added to its `kubernetes:` section;
    /// waited for until ready unless `waitUntilReady` is false.
    static func withClusterDaemon(
        lists: KubeAPIStandIn.ListMode = .serve, kubernetesKeys: String = "", waitUntilReady: Bool = true,
        _ body: (CalicoNode, KubeAPIStandIn, ServedDaemon) throws -> Void
    ) throws {
        try requireRootAndIPRoute2()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try withCalicoNode(CalicoNodeScenario()) { node in
            let standIn = try KubeAPIStandIn(objects: Self.objects, in: node.namespace, lists: lists)
            defer { standIn.stop() }
            let config =
                "cni: calico-vxlan\nserviceCIDR: 10.96.0.0/12\ninstanceType: m5.large\ngraceSeconds: 0\nresyncInterval: 3600\n"
                + "nodeName: \(Self.localName)\n"
                + "kubernetes:\n  kubeconfig: \(try standIn.writeKubeconfig())\n" + kubernetesKeys
            let daemon = try ServedDaemon(in: node.namespace, directory: directory, config: config)
            defer { daemon.stop() }
            if waitUntilReady { try daemon.waitUntilReady() }
            try body(node, standIn, daemon)
        }
    }

    func withClusterDaemon(_ body: (CalicoNode, KubeAPIStandIn, ServedDaemon) throws -> Void) throws {
        try Self.withClusterDaemon(body)
    }

    func waitForStatus(_ daemon: ServedDaemon, timeout: Duration = .seconds(10), _ condition: (StatusSnapshot) -> Bool) throws -> StatusSnapshot? {
        try poll(timeout: timeout, interval: .milliseconds(100)) { () throws -> StatusSnapshot? in
            let status = try daemon.status()
            return condition(status) ? status : nil
        }.value
    }

    @Test("the API going away mid-run: the same findings from the last good view plus one info finding; netlink changes still seen at once")
    func apiGoesAwayMidRun() throws {
        try withClusterDaemon { node, standIn, daemon in
            let before = try #require(
                try waitForStatus(daemon) { $0.finding("vxlan-route-missing", object: "192.168.12.128/26") != nil },
                "node-c's block never reported missing\n\(daemon.stderr)")
            #expect(Set(before.problems) .map(\.check).sorted() == ["vxlan-route-missing", "vxlan-vtep-missing"], "\(before)")
            try standIn.goAway()
            let away = try #require(
                try waitForStatus(daemon, timeout: .seconds(20)) { $0.findings.contains { $0.check == "cluster-api-unreachable" } },
                "no cluster-api-unreachable finding\n\(daemon.stderr)")
            #expect(Set(away.problems.map { [$0.check, $0.object] }) == Set(before.problems.map { [$0.check, $0.object] }))
            #expect(away.findings.filter { $0.severity == "info" }.map(\.check) == ["cluster-api-unreachable"])
            // The netlink loop does not wait for the API.
            let started = ContinuousClock.now
            try node.deleteRemoteRoute()
            let seen = try waitForStatus(daemon, timeout: .seconds(5)) { $0.finding("vxlan-route-missing", object: "192.168.35.0/26") != nil }
            #expect(seen != nil, "a netlink change was not seen while the API is away\n\(daemon.stderr)")
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("a rotated token: the relist after 410 Gone uses the new one, and the cluster's changes keep arriving")
    func tokenRotation() throws {
        try withClusterDaemon { _, standIn, daemon in
            _ = try #require(try waitForStatus(daemon) { $0.finding("vxlan-vtep-missing", object: "node-c") != nil }, "\(daemon.stderr)")
            try standIn.rotateToken("token-2")
            try standIn.control(["op": "compact"])
            // The stand-in counts only requests with the token it accepts: a relist here used the new one.
            let relisted = poll(timeout: .seconds(20), interval: .milliseconds(100)) { () -> Bool? in
                (standIn.stats()["nodes"]?.lists ?? 0) >= 2 ? true : nil
            }
            #expect(relisted.value == true, "no relist with the rotated token: \(standIn.stats())\n\(daemon.stderr)")
            try standIn.upsert("nodes", KubeObjects.node("node-d", ipv4: "10.0.0.40/24", tunnel: "192.168.44.0", mac: "66:44:00:00:00:40"))
            let seen = try waitForStatus(daemon, timeout: .seconds(20)) { $0.finding("vxlan-vtep-missing", object: "node-d") != nil }
            #expect(seen != nil, "node-d never arrived after the token rotated\n\(daemon.stderr)")
            #expect(seen?.findings.contains { $0.check == "cluster-view-stale" || $0.check == "cluster-api-unreachable" } == false)
        }
    }
}
