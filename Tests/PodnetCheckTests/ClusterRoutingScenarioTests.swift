import Foundation
import PodnetTestSupport
import Testing

/// `podnetd check` with the cluster's view from the API stand-in, in namespaces built like Calico
/// nodes: CrossSubnet direct routes, IPv6 VTEPs on `vxlan-v6.calico`, IPPool nodeSelectors.
@Suite("check against the cluster's view: CrossSubnet, IPv6 VTEPs, pool selectors", .serialized)
struct ClusterRoutingScenarioTests {
    static let localName = ClusterCheckScenarioTests.localName

    /// Runs `podnetd check` in a Calico node built from `scenario`, with `objects` served by the
    /// stand-in, after `change` altered the node.
    func check(
        _ scenario: CalicoNodeScenario = CalicoNodeScenario(), objects: [String: [[String: Any]]], format: String = "json",
        _ change: (CalicoNode) throws -> Void = { _ in }
    ) throws -> CheckRun {
        try requireRootAndIPRoute2()
        return try withNetworkNamespace(purpose: "cluster-routing") { namespace in
            let node = try scenario.build(in: namespace)
            defer { node.tearDown() }
            let standIn = try KubeAPIStandIn(objects: objects, in: namespace)
            defer { standIn.stop() }
            try change(node)
            let config = ClusterCheckScenarioTests.config(kubeconfig: try standIn.writeKubeconfig())
            return try CheckRun.run(config: config, in: namespace, format: format)
        }
    }

    // MARK: CrossSubnet

    /// The scenario's cluster with a CrossSubnet pool; node-b at `remoteAddress`.
    static func crossSubnetObjects(remoteAddress: String) -> [String: [[String: Any]]] {
        [
            "nodes": [
                KubeObjects.node(localName, ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: nil, pods: 58),
                KubeObjects.node("node-b", ipv4: remoteAddress, tunnel: "192.168.35.0", mac: "66:35:00:00:00:20"),
            ],
            "ippools": [KubeObjects.ipPool("default-ipv4-ippool", cidr: "192.168.0.0/16", vxlanMode: "CrossSubnet")],
            "blockaffinities": [
                KubeObjects.blockAffinity(node: localName, cidr: "192.168.231.0/26"),
                KubeObjects.blockAffinity(node: "node-b", cidr: "192.168.35.0/26"),
            ],
        ]
    }

    /// The standard node with node-b's block routed directly via `gateway` dev eth0 (its VTEP stays).
    static var directlyRouted: CalicoNodeScenario {
        .with { scenario in
            var block = CalicoNodeScenario.RemoteBlock.standard
            block.route = false
            scenario.remoteBlocks = [block]
        }
    }

    @Test("CrossSubnet: node-b's block via node-b's address is healthy; via another address it is critical")
    func crossSubnetGateway() throws {
        let objects = Self.crossSubnetObjects(remoteAddress: "10.0.0.20/24")
        let healthy = try check(Self.directlyRouted, objects: objects) { node in
            _ = try node.namespace.ip("route", "add", "192.168.35.0/26", "via", "10.0.0.20", "dev", "eth0", "proto", "80")
        }
        #expect(healthy.problems == [], "\(healthy.findings)\n\(healthy.stderr)")
        let wrong = try check(Self.directlyRouted, objects: objects, format: "text") { node in
            _ = try node.namespace.ip("route", "add", "192.168.35.0/26", "via", "10.0.0.21", "dev", "eth0", "proto", "80")
        }
        #expect(wrong.exitCode == 1)
        #expect(
            wrong.stdout.contains(
                "crosssubnet-route-wrong-gateway  192.168.35.0/26  192.168.35.0/26 of node node-b is routed directly via 10.0.0.21 dev eth0, expected via the node's address 10.0.0.20"),
            "\(wrong.stdout)")
        #expect(!wrong.stdout.contains("vxlan-route-missing"), "\(wrong.stdout)")
    }

    @Test("CrossSubnet: a block of a node outside this subnet routed directly is a mode mismatch")
    func crossSubnetOutsideSubnet() throws {
        var scenario = Self.directlyRouted
        scenario.remoteBlocks[0].hostIP = "10.0.5.20"  // its VTEP's FDB entry as Felix programs it
        let run = try check(scenario, objects: Self.crossSubnetObjects(remoteAddress: "10.0.5.20/24")) { node in
            _ = try node.namespace.ip("route", "add", "192.168.35.0/26", "via", "10.0.0.1", "dev", "eth0", "proto", "80")
        }
        #expect(run.has("vxlan-mode-mismatch", object: "192.168.35.0/26", severity: "warning"), "\(run.findings)")
        #expect(Set(run.problems.map(\.check)) == ["vxlan-mode-mismatch"], "\(run.problems)")
    }

    // MARK: IPv6 VTEPs

    /// A dual-stack cluster: an IPv6 VXLAN pool, node-b's IPv6 block and VTEP annotations.
    static var dualStackObjects: [String: [[String: Any]]] {
        [
            "nodes": [
                KubeObjects.node(
                    localName, ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: nil, pods: 58, ipv6: "fd00:10::10/64",
                    tunnelV6: "fd00:244:0:e7::"),
                KubeObjects.node(
                    "node-b", ipv4: "10.0.0.20/24", tunnel: "192.168.35.0", mac: "66:35:00:00:00:20", ipv6: "fd00:10::20/64",
                    tunnelV6: "fd00:244:0:35::", macV6: "66:35:00:00:00:66"),
            ],
            "ippools": [
                KubeObjects.ipPool("default-ipv4-ippool", cidr: "192.168.0.0/16"),
                KubeObjects.ipPool("default-ipv6-ippool", cidr: "fd00:244::/48", blockSize: 122),
            ],
            "blockaffinities": [
                KubeObjects.blockAffinity(node: localName, cidr: "192.168.231.0/26"),
                KubeObjects.blockAffinity(node: "node-b", cidr: "192.168.35.0/26"),
                KubeObjects.blockAffinity(node: localName, cidr: "fd00:244:0:e7::/122"),
                KubeObjects.blockAffinity(node: "node-b", cidr: "fd00:244:0:35::/122"),
            ],
        ]
    }

    /// Felix's IPv6 programming: `vxlan-v6.calico` (local fd00:10::10 on eth0), its tunnel address,
    /// this node's IPv6 blackhole, node-b's block via its tunnel address, its FDB entry and — when
    /// `neighbour` — its permanent neighbour.
    static func programIPv6(_ node: CalicoNode, neighbour: Bool) throws {
        let ns = node.namespace
        _ = try ns.ip(
            "link", "add", "vxlan-v6.calico", "mtu", "8931", "type", "vxlan", "id", "4096", "dstport", "4789", "local",
            "fd00:10::10", "dev", "eth0", "nolearning")
        _ = try ns.ip("link", "set", "vxlan-v6.calico", "up")
        _ = try ns.ip("-6", "addr", "add", "fd00:244:0:e7::/128", "dev", "vxlan-v6.calico", "nodad")
        _ = try ns.ip("-6", "route", "add", "blackhole", "fd00:244:0:e7::/122", "proto", "80")
        if neighbour {
            _ = try ns.ip(
                "-6", "neigh", "add", "fd00:244:0:35::", "lladdr", "66:35:00:00:00:66", "dev", "vxlan-v6.calico", "nud", "permanent")
        }
        _ = try ns.bridge("fdb", "add", "66:35:00:00:00:66", "dev", "vxlan-v6.calico", "dst", "fd00:10::20", "self", "permanent")
        _ = try ns.ip(
            "-6", "route", "add", "fd00:244:0:35::/122", "via", "fd00:244:0:35::", "dev", "vxlan-v6.calico", "onlink", "proto", "80")
    }

    @Test("dual stack: the IPv6 VTEP programmed as the cluster says is healthy; without its neighbour it is named")
    func ipv6VTEP() throws {
        let scenario = CalicoNodeScenario.with { $0.ipv6Forwarding = true }
        let healthy = try check(scenario, objects: Self.dualStackObjects) { try Self.programIPv6($0, neighbour: true) }
        #expect(healthy.problems == [], "\(healthy.findings)\n\(healthy.stderr)")
        let broken = try check(scenario, objects: Self.dualStackObjects, format: "text") { try Self.programIPv6($0, neighbour: false) }
        #expect(broken.exitCode == 1)
        #expect(broken.stdout.contains("node node-b: no neighbour entry fd00:244:0:35:: → 66:35:00:00:00:66"), "\(broken.stdout)")
        #expect(
            broken.stdout.contains(
                "fd00:244:0:35::/122 via fd00:244:0:35:: dev vxlan-v6.calico: no neighbour entry for the tunnel IP fd00:244:0:35::"),
            "\(broken.stdout)")
        #expect(broken.stdout.contains("vteps from cluster (Node annotations IPv4VXLANTunnelAddr, VXLANTunnelMACAddr, IPv4Address; IPv6VXLANTunnelAddr, VXLANTunnelMACAddrV6, IPv6Address)"), "\(broken.stdout)")
        let json = try check(scenario, objects: Self.dualStackObjects) { try Self.programIPv6($0, neighbour: false) }
        #expect(Set(json.problems.map(\.check)) == ["vxlan-vtep-missing", "vxlan-route-unresolved"], "\(json.problems)")
    }

    // MARK: IPPool nodeSelector

    @Test("pool selectors: this node's labels come from the API; a malformed selector is a finding")
    func poolSelectors() throws {
        var objects = ClusterCheckScenarioTests.objects()
        objects["nodes"]?[0] = KubeObjects.node(
            Self.localName, ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: nil, pods: 58, labels: ["pool": "blue"])
        objects["ippools"] = [
            KubeObjects.ipPool("default-ipv4-ippool", cidr: "192.168.0.0/16", nodeSelector: "pool == 'blue'"),
            KubeObjects.ipPool("green", cidr: "10.200.0.0/16", nodeSelector: "pool in {'green'}"),
            KubeObjects.ipPool("broken", cidr: "10.201.0.0/16", nodeSelector: "pool == green"),
        ]
        let run = try check(objects: objects)
        #expect(run.has("ippool-node-selector-invalid", object: "broken", severity: "warning"), "\(run.findings)")
        #expect(Set(run.problems.map(\.check)) == ["ippool-node-selector-invalid"], "\(run.problems)")
        #expect(
            run.stdout.contains(
                "cluster (IPPools whose nodeSelector selects \(Self.localName): default-ipv4-ippool; not selecting it: green; selector does not parse: broken)"),
            "\(run.stdout)")
    }
}
