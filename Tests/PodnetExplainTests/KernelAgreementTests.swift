import Foundation
import PodnetAnalysis
import PodnetModel
import PodnetTestSupport
import Testing

/// Thousands of random queries per namespace, each answered by `PathExplainer` and by the kernel's
/// `ip route get`: every first hop (error, type, table, route, gateway, device, source) must agree.
@Suite("explain agrees with the kernel", .serialized)
struct KernelAgreementTests {
    static let seed: UInt64 = 0x5EED_0013

    @Test func calicoNode() throws {
        try requireRootAndIPRoute2()
        var scenario = CalicoNodeScenario.with { $0.workloads = 4 }
        scenario.remoteBlocks = [
            .standard,
            .init(block: "192.168.36.0/26", tunnelIP: "192.168.36.0", tunnelMAC: "66:36:00:00:00:21", hostIP: "10.0.0.21"),
            .init(block: "192.168.37.64/26", tunnelIP: "192.168.37.64", tunnelMAC: "66:37:00:00:00:22", hostIP: "10.0.0.22"),
        ]
        try withCalicoNode(scenario) { node in
            // One remote node loses its FDB entry: its path must break at the same place for both.
            try node.deleteFDB("192.168.36.0/26")
            // And one pod's end of its veth is down: the host side loses its carrier (its route stays,
            // marked linkdown).
            try node.workloads[3].pod.ip("link", "set", "eth0", "down")
            let ns = node.namespace
            var random = SeededRandom(seed: Self.seed)
            let v4Pools = ["192.168.231.0/26", "192.168.35.0/26", "192.168.36.0/26", "192.168.37.64/26", "192.168.0.0/16",
                "10.0.0.0/24", "10.96.0.0/12", "127.0.0.0/8", "0.0.0.0/0"].compactMap { IPPrefix($0) }
            let v6Pools = ["fd00:10::/64", "fd00:99::/64", "2001:db8::/32", "fd00::/8"].compactMap { IPPrefix($0) }
            let pods = node.workloads
            var queries: [ExplainQuery] = []
            for turn in 0..<3000 {
                let v6 = turn % 5 == 4
                var query = ExplainQuery(destination: random.address(in: random.pick(v6 ? v6Pools : v4Pools)))
                switch turn % 4 {
                case 1 where !v6:
                    query.source = random.pick([IPAddress("10.0.0.10")!, IPAddress("192.168.231.0")!])
                case 2 where !v6:
                    let pod = random.pick(pods)
                    query.source = IPAddress(pod.podIP)
                    query.inputInterface = pod.interface
                case 3 where !v6:
                    query.source = random.address(in: IPPrefix("10.0.0.0/24")!)
                    query.inputInterface = "eth0"
                    query.mark = random.pick([0, 0x80, 7])
                case 1 where v6:
                    query.source = IPAddress("fd00:10::10")
                default:
                    break
                }
                queries.append(query)
            }
            // Every local pod, from this node and from the other pods.
            for target in pods {
                for sender in [nil] + pods where sender?.number != target.number {
                    var query = ExplainQuery(destination: IPAddress(target.podIP)!)
                    if let sender {
                        query.source = IPAddress(sender.podIP)
                        query.inputInterface = sender.interface
                    }
                    queries.append(contentsOf: Array(repeating: query, count: 10))
                }
            }
            var agreement = try KernelAgreement(namespace: ns, expectations: Self.calicoExpectations)
            try agreement.compareFirstHops(queries)
            try agreement.compareTunnels(queries)
            print(agreement.summary("Calico VXLAN node"))
            #expect(agreement.compared >= 2500)
            #expect(agreement.pathsCompared >= 100)
            #expect(agreement.vethsCompared >= 100)
            #expect(agreement.mismatches.isEmpty, "\(agreement.summary("Calico VXLAN node"))")
        }
    }

    static let calicoExpectations = Expectations(
        cni: .fixed(.calicoVXLAN), podCIDRs: [IPPrefix("192.168.0.0/16")!], serviceCIDRs: [IPPrefix("10.96.0.0/12")!])

    @Test func vpcCNINode() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "vpc") { ns in
            let node = try VPCCNINode(in: ns)
            defer { node.tearDown() }
            // The VPC CNI's host rule: traffic not marked by kube-proxy's SNAT exclusion goes through main.
            try ns.ip("rule", "add", "not", "fwmark", "0x80/0x80", "lookup", "main", "priority", "1024")
            var random = SeededRandom(seed: Self.seed &+ 1)
            let pools = ["10.0.0.0/24", "10.0.1.0/24", "10.0.0.0/16", "0.0.0.0/0", "10.0.0.50/32", "10.0.1.51/32"]
                .compactMap { IPPrefix($0) }
            let pods = [(VPCCNINode.primaryPodIP, VPCCNINode.primaryPodInterface), (VPCCNINode.secondaryPodIP, VPCCNINode.secondaryPodInterface)]
            var queries: [ExplainQuery] = []
            for turn in 0..<3000 {
                var query = ExplainQuery(destination: random.address(in: random.pick(pools)))
                query.mark = random.pick([0, 0, 0x80, 0x81])
                switch turn % 3 {
                case 1:
                    let pod = random.pick(pods)
                    query.source = IPAddress(pod.0)
                    query.inputInterface = pod.1
                case 2:
                    query.source = random.pick([IPAddress("10.0.0.10")!, IPAddress("10.0.1.10")!])
                default:
                    break
                }
                queries.append(query)
            }
            var agreement = try KernelAgreement(namespace: ns, expectations: Expectations(cni: .fixed(.awsVPCCNI)))
            try agreement.compareFirstHops(queries)
            try agreement.compareTunnels(queries)
            print(agreement.summary("VPC CNI node"))
            #expect(agreement.compared >= 2500)
            #expect(agreement.vethsCompared >= 100)
            #expect(agreement.mismatches.isEmpty, "\(agreement.summary("VPC CNI node"))")
        }
    }

    @Test func manyRulesAndTables() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "rules") { ns in
            let underlay = try NetworkNamespace(purpose: "rules-ul")
            defer { underlay.delete() }
            var random = SeededRandom(seed: Self.seed &+ 2)
            let bed = try RuleBed.build(in: ns, underlay: underlay, random: &random)
            var queries: [ExplainQuery] = []
            for turn in 0..<4000 {
                let v6 = turn % 4 == 3
                let pool = random.pick(v6 ? bed.destinationsV6 : bed.destinationsV4)
                var query = ExplainQuery(destination: random.address(in: pool))
                query.mark = random.pick(bed.marks)
                switch turn % 3 {
                case 1:
                    query.source = random.pick(v6 ? bed.localV6 : bed.localV4)
                case 2:
                    query.inputInterface = random.pick(["eth0", "eth1", "eth2"])
                    query.source = random.address(in: random.pick(v6 ? bed.sourcesV6 : bed.sourcesV4))
                default:
                    break
                }
                queries.append(query)
            }
            var agreement = try KernelAgreement(namespace: ns)
            try agreement.compareFirstHops(queries)
            print(agreement.summary("many rules and tables (\(bed.routeCount) routes, \(bed.ruleCount) rules)"))
            #expect(agreement.compared >= 3500)
            #expect(agreement.mismatches.isEmpty, "\(agreement.summary("many rules and tables"))")
        }
    }
}
