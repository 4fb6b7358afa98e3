import Foundation
import PodnetTestSupport
import Testing

/// `podnetd check` inside namespaces built like Calico VXLAN and VPC CNI nodes, with the cluster's
/// view served by the HTTPS API stand-in inside the same namespace (its loopback).
@Suite("check against the cluster's view", .serialized)
struct ClusterCheckScenarioTests {
    /// This node's Node name, given to podnetd as `nodeName` (independent of the machine's hostname).
    static let localName = "node-local"

    /// The cluster CalicoNodeScenario's node lives in: this node, the standard remote node, and
    /// (optionally) a node Felix programmed nothing for.
    static func objects(withUnprogrammedNode: Bool = false, remoteMAC: String = "66:35:00:00:00:20") -> [String: [[String: Any]]] {
        var nodes = [
            KubeObjects.node(localName, ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: nil, pods: 58),
            KubeObjects.node("node-b", ipv4: "10.0.0.20/24", tunnel: "192.168.35.0", mac: remoteMAC),
        ]
        var affinities = [
            KubeObjects.blockAffinity(node: localName, cidr: "192.168.231.0/26"),
            KubeObjects.blockAffinity(node: "node-b", cidr: "192.168.35.0/26"),
        ]
        if withUnprogrammedNode {
            nodes.append(KubeObjects.node("node-c", ipv4: "10.0.0.30/24", tunnel: "192.168.12.128", mac: "66:12:00:00:00:30"))
            affinities += [
                KubeObjects.blockAffinity(node: "node-c", cidr: "192.168.12.128/26"),
                KubeObjects.blockAffinity(node: "node-c", cidr: "192.168.40.0/26"),
            ]
        }
        return ["nodes": nodes, "ippools": [KubeObjects.ipPool("default-ipv4-ippool", cidr: "192.168.0.0/16")], "blockaffinities": affinities]
    }

    /// Config with nothing the cluster can tell: no pools, no remote blocks, no maxPods.
    static func config(kubeconfig: String) -> String {
        "cni: calico-vxlan\nserviceCIDR: 10.96.0.0/12\ninstanceType: m5.large\nnodeName: \(localName)\n"
            + "kubernetes:\n  kubeconfig: \(kubeconfig)\n"
    }

    func check(
        objects: [String: [[String: Any]]], format: String = "json", _ breakIt: (CalicoNode, KubeAPIStandIn) throws -> Void = { _, _ in }
    ) throws -> CheckRun {
        try requireRootAndIPRoute2()
        return try withNetworkNamespace(purpose: "cluster-check") { namespace in
            let node = try CalicoNodeScenario().build(in: namespace)
            defer { node.tearDown() }
            let standIn = try KubeAPIStandIn(objects: objects, in: namespace)
            defer { standIn.stop() }
            try breakIt(node, standIn)
            return try CheckRun.run(config: Self.config(kubeconfig: try standIn.writeKubeconfig()), in: namespace, format: format)
        }
    }

    @Test("a node matching its cluster: no problem, maxPods from the Node, expectations from the cluster")
    func healthy() throws {
        let run = try check(objects: Self.objects())
        #expect(run.problems == [], "\(run.findings)\n\(run.stderr)")
        #expect(run.exitCode == 0)
        #expect(run.stdout.contains("\"maxPodsSource\": \"cluster (Node \(Self.localName) status.capacity.pods)\""), "\(run.stdout)")
    }

    @Test("a node for which Felix programmed nothing: every remote block of it missing, by node name")
    func nothingProgrammed() throws {
        let run = try check(objects: Self.objects(withUnprogrammedNode: true))
        #expect(run.has("vxlan-route-missing", object: "192.168.12.128/26", severity: "critical"), "\(run.findings)")
        #expect(run.has("vxlan-route-missing", object: "192.168.40.0/26", severity: "critical"), "\(run.findings)")
        #expect(run.has("vxlan-vtep-missing", object: "node-c", severity: "critical"), "\(run.findings)")
        #expect(Set(run.problems.map(\.check)) == ["vxlan-route-missing", "vxlan-vtep-missing"], "\(run.problems)")
        #expect(run.exitCode == 1)
        let text = try check(objects: Self.objects(withUnprogrammedNode: true), format: "text")
        #expect(text.stdout.contains("no route for remote block 192.168.40.0/26 of node node-c via 192.168.12.128 dev vxlan.calico"), "\(text.stdout)")
        // The blocks came from the cluster: no advice to edit a hand-written list.
        #expect(!text.stdout.contains("update calico.expectedRemoteBlocks"), "\(text.stdout)")
    }

    @Test("a stale VTEP MAC after the remote node was re-created")
    func staleMAC() throws {
        let run = try check(objects: Self.objects(remoteMAC: "66:35:00:00:00:99"))
        #expect(run.has("vxlan-vtep-stale", object: "node-b", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("a leaked block route: routed through vxlan.calico but owned by no node")
    func leakedBlockRoute() throws {
        let run = try check(objects: Self.objects()) { node, _ in
            _ = try node.namespace.ip("route", "add", "192.168.77.0/26", "via", "192.168.35.0", "dev", "vxlan.calico", "onlink", "proto", "80")
        }
        #expect(run.has("block-route-leaked", object: "192.168.77.0/26", severity: "warning"), "\(run.findings)")
    }

    @Test("dump records the cluster's view and check --snapshot reproduces the live findings offline")
    func dumpAndSnapshotAgree() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "cluster-dump") { namespace in
            let node = try CalicoNodeScenario().build(in: namespace)
            defer { node.tearDown() }
            let standIn = try KubeAPIStandIn(objects: Self.objects(withUnprogrammedNode: true), in: namespace)
            let config = Self.config(kubeconfig: try standIn.writeKubeconfig())
            let configFile = NSTemporaryDirectory() + "podnetd-dump-\(UUID().uuidString).yaml"
            try config.write(toFile: configFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: configFile) }
            let live = try CheckRun.run(config: config, in: namespace)
            let dump = try PodnetdBinary.locate().run(["dump", "--config", configFile], in: namespace)
            #expect(dump.exitCode == 0, "\(dump.stderr)")
            standIn.stop()  // offline from here
            let dumpFile = NSTemporaryDirectory() + "podnetd-dump-\(UUID().uuidString).json"
            try dump.stdout.write(toFile: dumpFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: dumpFile) }
            let offline = try PodnetdBinary.locate().run(["check", "--config", configFile, "--snapshot", dumpFile, "--format", "json"])
            let offlineFindings = try CheckRun.findings(inReport: offline.stdout)
            #expect(Set(offlineFindings) == Set(live.findings), "live \(live.findings)\noffline \(offlineFindings)\n\(offline.stderr)")
            #expect(offlineFindings.contains { $0.check == "vxlan-route-missing" && $0.object == "192.168.40.0/26" })
        }
    }

    @Test("an unreachable API with an explicit kubeconfig: one warning that the cluster checks did not run")
    func apiUnreachable() throws {
        let run = try check(objects: Self.objects(withUnprogrammedNode: true)) { _, standIn in try standIn.goAway() }
        #expect(run.has("cluster-view-stale", object: "cluster", severity: "warning"), "\(run.findings)")
        #expect(!run.has("vxlan-route-missing"))
    }

    @Test("this node registered under its FQDN, podnetd's name the short one: only the unknown name, not its own blocks and VTEP as another node's")
    func nodeKnownUnderItsFQDN() throws {
        var objects = Self.objects()
        let fqdn = Self.localName + ".cluster.internal"
        objects["nodes"]?[0] = KubeObjects.node(fqdn, ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: "66:e7:00:00:00:10", pods: 58)
        objects["blockaffinities"]?[0] = KubeObjects.blockAffinity(node: fqdn, cidr: "192.168.231.0/26")
        let run = try check(objects: objects)
        #expect(run.has("cluster-node-unknown", object: Self.localName, severity: "warning"), "\(run.findings)")
        #expect(Set(run.problems.map(\.check)) == ["cluster-node-unknown"], "\(run.problems)")
    }
}
