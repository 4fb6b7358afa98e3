import PodnetAnalysis
import PodnetModel

/// A cluster view matching the healthy Calico fixture: this node (ip-10-10-2-193) and the two
/// remote nodes whose VTEPs and blocks the fixture has programmed, one VXLAN pool.
enum ClusterFixtures {
    typealias F = AnalysisFixtures

    static let localName = "ip-10-10-2-193"

    static var calicoView: ClusterView {
        ClusterView(
            nodeName: localName, nodeNameSource: "config nodeName", source: "https://127.0.0.1:6443 (test)",
            observedAt: F.checkedAt,
            pools: [CalicoIPPool(name: "default-ipv4-ippool", cidr: F.prefix("192.168.0.0/16"), blockSize: 26, vxlanMode: "Always", ipipMode: "Never")],
            blockAffinities: [
                affinity(localName, "192.168.231.0/26"),
                affinity("ip-10-90-1-182", "192.168.35.0/26"),
                affinity("ip-10-10-1-14", "192.168.94.64/26"),
            ],
            nodes: [
                node(localName, ip: "10.10.2.193/24", tunnel: "192.168.231.0", mac: "66:d4:8b:2a:17:c0", pods: 58, type: "m5.large"),
                node("ip-10-90-1-182", ip: "10.90.1.182/24", tunnel: "192.168.35.0", mac: "66:5e:2b:11:9a:01"),
                node("ip-10-10-1-14", ip: "10.10.1.14/24", tunnel: "192.168.94.64", mac: "66:0c:7d:42:e3:5b"),
            ])
    }

    /// The Calico fixture's expectations with nothing the cluster can tell: no pools, no remote blocks.
    static var calicoExpectations: Expectations {
        var expectations = F.calicoExpectations
        expectations.podCIDRs = []
        expectations.calico.expectedRemoteBlocks = []
        return expectations
    }

    static func affinity(_ node: String, _ cidr: String, state: String = "confirmed") -> CalicoBlockAffinity {
        let prefix = F.prefix(cidr)
        let name = node + "-" + cidr.replacingOccurrences(".", "-").replacingOccurrences("/", "-")
        return CalicoBlockAffinity(name: name, cidr: prefix, node: node, state: state)
    }

    static func node(
        _ name: String, ip: String, tunnel: String, mac: String, pods: Int? = 110, type: String? = nil
    ) -> ClusterNode {
        ClusterNode(
            name: name, uid: "uid-" + name, calicoIPv4Address: IPPrefix(ip), vxlanTunnelAddress: IPAddress(tunnel),
            vxlanTunnelMAC: HardwareAddress(mac), internalIPs: [IPPrefix(ip)!.address], capacityPods: pods,
            instanceType: type)
    }

    static func analyze(_ snapshot: NodeSnapshot, _ expectations: Expectations, _ input: ClusterInput) -> Report {
        Analyzer.analyze(snapshot: snapshot, expectations: expectations, cluster: input, checkedAt: F.checkedAt)
    }
}

extension String {
    /// Every `target` replaced (Foundation-free).
    func replacingOccurrences(_ target: Character, _ replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
