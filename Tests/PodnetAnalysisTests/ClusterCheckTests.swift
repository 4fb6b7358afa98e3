import PodnetAnalysis
import PodnetModel
import Testing

@Suite("Checks against the cluster's view (Calico)")
struct ClusterCheckTests {
    typealias F = AnalysisFixtures
    typealias C = ClusterFixtures

    func summaries(_ report: Report) -> [String] { report.findings.map { "\($0.check) \($0.object): \($0.summary)" } }

    @Test("the healthy node matches its cluster: no finding, every expectation from the cluster")
    func healthyNodeMatchesCluster() throws {
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: C.calicoView))
        #expect(report.findings.isEmpty, "\(summaries(report))")
        let cluster = try #require(report.cluster)
        #expect(cluster.state == "current")
        #expect(cluster.nodeName == C.localName)
        let sources = Dictionary(uniqueKeysWithValues: cluster.expectationSources.map { ($0.expectation, $0.source) })
        #expect(sources["podCIDRs"] == "cluster (IPPools default-ipv4-ippool)")
        #expect(sources["remoteBlocks"]?.hasPrefix("cluster (2 blocks of 2 other nodes") == true)
        #expect(report.capacity.maxPods == 58)
        #expect(report.capacity.maxPodsSource == "cluster (Node ip-10-10-2-193 status.capacity.pods)")
        #expect(report.inventory.podCIDRs == [F.prefix("192.168.0.0/16")])
    }

    @Test("a node Felix programmed nothing for: each of its blocks missing by node name, and its VTEP")
    func nothingProgrammedForANode() throws {
        var view = C.calicoView
        view.nodes.append(C.node("ip-10-10-3-7", ip: "10.10.3.7/24", tunnel: "192.168.12.128", mac: "66:aa:bb:cc:dd:01"))
        view.blockAffinities += [C.affinity("ip-10-10-3-7", "192.168.12.128/26"), C.affinity("ip-10-10-3-7", "192.168.40.0/26")]
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanRouteMissing, severity: .critical, objects: ["192.168.12.128/26", "192.168.40.0/26"])
        #expect(report.findings(.vxlanRouteMissing).allSatisfy { $0.summary.contains("of node ip-10-10-3-7 via 192.168.12.128") })
        expectFindings(report, .vxlanVTEPMissing, severity: .critical, objects: ["ip-10-10-3-7"])
        #expect(problemChecks(report) == ["vxlan-route-missing", "vxlan-vtep-missing"])
    }

    @Test("without the cluster the same node looks healthy (the reason for reading it)")
    func nothingProgrammedIsInvisibleWithoutTheCluster() throws {
        let report = F.analyze(try F.calico(), C.calicoExpectations)
        #expect(report.findings.isEmpty)
    }

    @Test("a pending affinity is not expected yet")
    func pendingAffinityIsNotExpected() throws {
        var view = C.calicoView
        view.blockAffinities.append(C.affinity("ip-10-90-1-182", "192.168.36.0/26", state: "pending"))
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        #expect(report.findings.isEmpty, "\(summaries(report))")
    }

    @Test("a stale VTEP MAC after the remote node was re-created")
    func staleMAC() throws {
        var view = C.calicoView
        view.nodes[1].vxlanTunnelMAC = HardwareAddress("66:5e:2b:11:9a:99")
        view.nodes[1].uid = "uid-recreated"
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanVTEPStale, severity: .critical, objects: ["ip-10-90-1-182"])
        let summary = try #require(report.findings(.vxlanVTEPStale).first?.summary)
        #expect(summary.contains("neighbour 192.168.35.0 → 66:5e:2b:11:9a:01, but the node's VXLANTunnelMACAddr is 66:5e:2b:11:9a:99"))
        #expect(problemChecks(report) == ["vxlan-vtep-stale"])
    }

    @Test("a stale node address in the FDB")
    func staleNodeAddress() throws {
        var view = C.calicoView
        view.nodes[2].calicoIPv4Address = IPPrefix("10.10.1.99/24")
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanVTEPStale, severity: .critical, objects: ["ip-10-10-1-14"])
        #expect(report.findings(.vxlanVTEPStale).first?.summary.contains("FDB 66:0c:7d:42:e3:5b → 10.10.1.14, but the node's address is 10.10.1.99") == true)
    }

    @Test("a block route for a block no node owns is a leak")
    func leakedBlockRoute() throws {
        var view = C.calicoView
        view.blockAffinities.removeAll { $0.node == "ip-10-10-1-14" }
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .blockRouteLeaked, severity: .warning, objects: ["192.168.94.64/26"])
        #expect(problemChecks(report) == ["block-route-leaked"])
    }

    @Test("this node's own confirmed block without its blackhole")
    func ownBlockWithoutBlackhole() throws {
        var view = C.calicoView
        view.blockAffinities.append(C.affinity(C.localName, "192.168.231.64/26"))
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .blockBlackholeMissing, severity: .warning, objects: ["192.168.231.64/26"])
        #expect(problemChecks(report) == ["block-blackhole-missing"])
    }

    @Test("vxlan.calico's local address must be the node's Calico IPv4 address")
    func deviceLocalAddress() throws {
        var view = C.calicoView
        view.nodes[0].calicoIPv4Address = IPPrefix("10.10.2.200/24")
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanDeviceConfig, severity: .warning, objects: ["vxlan.calico"])
        #expect(report.findings(.vxlanDeviceConfig).first?.summary.contains("not the node's Calico IPv4 address 10.10.2.200") == true)
    }

    @Test("the config stays the override: explicit remote blocks, maxPods and instance type win")
    func configOverridesCluster() throws {
        var expectations = F.calicoExpectations
        expectations.maxPodsSource = "config"
        expectations.instanceTypeSource = "config"
        expectations.explicitKeys = ["podCIDRs", "maxPods", "instanceType"]
        var view = C.calicoView
        view.nodes.append(C.node("ip-10-10-3-7", ip: "10.10.3.7/24", tunnel: "192.168.12.128", mac: "66:aa:bb:cc:dd:01"))
        view.blockAffinities.append(C.affinity("ip-10-10-3-7", "192.168.12.128/26"))
        let report = C.analyze(try F.calico(), expectations, ClusterInput(view: view))
        #expect(report.findings(.vxlanRouteMissing).isEmpty, "config's expectedRemoteBlocks win over the cluster's")
        #expect(report.capacity.maxPods == 110 && report.capacity.maxPodsSource == "config")
        let sources = Dictionary(uniqueKeysWithValues: try #require(report.cluster).expectationSources.map { ($0.expectation, $0.source) })
        #expect(sources["remoteBlocks"] == "config (calico.expectedRemoteBlocks)")
        #expect(sources["maxPods"] == "config")
        #expect(sources["podCIDRs"] == "config")
    }

    @Test("the instance-type label replaces DMI")
    func instanceTypeLabel() throws {
        var expectations = C.calicoExpectations
        expectations.instanceType = nil
        expectations.instanceTypeSource = "unknown: no DMI"
        var view = C.calicoView
        view.nodes[0].instanceType = "c5.xlarge"
        let report = C.analyze(try F.calico(), expectations, ClusterInput(view: view))
        #expect(report.capacity.instanceType == "c5.xlarge")
        #expect(report.capacity.instanceTypeSource == "cluster (Node ip-10-10-2-193 label node.kubernetes.io/instance-type)")
    }

    @Test("an API outage: the same findings from the last good view, plus one info finding")
    func outageKeepsFindings() throws {
        var view = C.calicoView
        view.nodes[1].vxlanTunnelMAC = HardwareAddress("66:5e:2b:11:9a:99")
        let live = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        let away = C.analyze(
            try F.calico(), C.calicoExpectations,
            ClusterInput(view: view, viewAgeSeconds: 95, outage: ClusterOutage(seconds: 95, reason: "connection refused")))
        #expect(away.problems == live.problems)
        expectFindings(away, .clusterAPIUnreachable, severity: .info, objects: ["cluster"])
        #expect(away.findings.count == live.findings.count + 1)
        #expect(away.findings(.clusterAPIUnreachable).first?.summary.contains("1 min 35 s") == true)
        #expect(away.cluster?.state == "api-unreachable")
    }

    @Test("a view older than the bound stops the cluster-derived checks with that reason")
    func staleViewStopsClusterChecks() throws {
        var view = C.calicoView
        view.nodes[1].vxlanTunnelMAC = HardwareAddress("66:5e:2b:11:9a:99")
        let report = C.analyze(
            try F.calico(), C.calicoExpectations,
            ClusterInput(view: view, viewAgeSeconds: 700, maxViewAgeSeconds: 600, outage: ClusterOutage(seconds: 700, reason: "timeout")))
        expectFindings(report, .clusterViewStale, severity: .warning, objects: ["cluster"])
        #expect(problemChecks(report) == ["cluster-view-stale"])
        #expect(report.cluster?.state == "stale")
        #expect(report.capacity.maxPodsSource != "cluster (Node ip-10-10-2-193 status.capacity.pods)")
    }

    @Test("a node name the cluster does not know")
    func unknownNode() throws {
        var view = C.calicoView
        view.nodeName = "not-this-one"
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .clusterNodeUnknown, severity: .warning, objects: ["not-this-one"])
    }

    @Test("a node name the cluster does not know (hostname vs the Node's FQDN): this node's own blocks and VTEP are not expected as another node's")
    func unknownNodeNameRaisesNoFalseAlarms() throws {
        // The hostname is ip-10-10-2-193; the Node is registered under its FQDN.
        var view = C.calicoView
        let fqdn = C.localName + ".eu-west-1.compute.internal"
        view.nodeNameSource = "hostname"
        view.nodes[0].name = fqdn
        view.blockAffinities[0].node = fqdn
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .clusterNodeUnknown, severity: .warning, objects: [C.localName])
        // Without the fix: "no route for remote block 192.168.231.0/26 of node …compute.internal … (an IPAM
        // conflict)" and "node …compute.internal: no neighbour entry 192.168.231.0 → …" — both about this node itself.
        #expect(problemChecks(report) == ["cluster-node-unknown"], "\(summaries(report))")
        // The other nodes are still checked: one of them unprogrammed is still found.
        view.nodes.append(C.node("ip-10-10-3-7", ip: "10.10.3.7/24", tunnel: "192.168.12.128", mac: "66:aa:bb:cc:dd:01"))
        view.blockAffinities.append(C.affinity("ip-10-10-3-7", "192.168.12.128/26"))
        let other = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        expectFindings(other, .vxlanRouteMissing, severity: .critical, objects: ["192.168.12.128/26"])
        expectFindings(other, .vxlanVTEPMissing, severity: .critical, objects: ["ip-10-10-3-7"])
    }

    @Test("a tunnel-address pool of /32 blocks: the remote tunnel address's own block is Felix's gateway-less route, not a wrong next hop")
    func tunnelPoolOfHostBlocks() throws {
        // Calico's documented dedicated pool for tunnel addresses (allowedUses: [Tunnel], blockSize 32):
        // node ip-10-90-1-182's tunnel address 10.255.0.182 is the /32 block affine to it. Felix routes
        // such a block as `10.255.0.182 dev vxlan.calico` (felix/dataplane/linux/route_mgr.go
        // isRemoteTunnelRoute, vxlan_mgr.go tunnelRoute: "they ARE the VTEP"), the node's pod blocks via it.
        var snapshot = try F.calico()
        let vxlan = snapshot.index(of: "vxlan.calico")
        let tunnel = F.address("10.255.0.182")
        snapshot.modifyRoutes(to: "192.168.35.0/26") { $0.nextHops[0].gateway = tunnel }
        for position in snapshot.neighbours.indices where snapshot.neighbours[position].address == F.address("192.168.35.0") {
            snapshot.neighbours[position].address = tunnel
        }
        snapshot.routes.append(
            Route(protocol_: .felix, scope: .link, destination: F.prefix("10.255.0.182/32"), nextHops: [NextHop(interfaceIndex: vxlan)]))
        var view = C.calicoView
        view.pools.append(CalicoIPPool(name: "tunnel-ippool", cidr: F.prefix("10.255.0.0/24"), blockSize: 32, vxlanMode: "Always"))
        view.nodes[1].vxlanTunnelAddress = tunnel
        view.blockAffinities.append(C.affinity("ip-10-90-1-182", "10.255.0.182/32"))
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(report.problems.isEmpty, "\(summaries(report))")
        // A real wrong next hop for such a block is still one.
        snapshot.modifyRoutes(to: "10.255.0.182/32") { $0.nextHops = [NextHop(gateway: F.address("192.168.94.64"), interfaceIndex: vxlan, flags: .onlink)] }
        let wrong = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(wrong, .vxlanRouteWrongNextHop, severity: .critical, objects: ["10.255.0.182/32"])
    }

    @Test("a Node's pod capacity outside what kubelet accepts is not taken as maxPods (and crashes nothing)", arguments: [Int.min, -1, 0, Int.max])
    func oddCapacityPods(pods: Int) throws {
        var view = C.calicoView
        view.nodes[0].capacityPods = pods
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        #expect(report.capacity.maxPods != pods)
        #expect(report.capacity.maxPodsSource != "cluster (Node ip-10-10-2-193 status.capacity.pods)")
    }

    @Test("an IPPool blockSize Calico would reject is not taken as the block size (and crashes nothing)", arguments: [Int.min, -1, 0, 19, 33, 128, Int.max])
    func oddPoolBlockSize(size: Int) throws {
        var view = C.calicoView
        view.pools[0].blockSize = size
        view.pools.append(CalicoIPPool(name: "v6", cidr: F.prefix("fd00:10:244::/48"), blockSize: size, vxlanMode: "Always"))
        view.blockAffinities.append(C.affinity("ip-10-90-1-182", "fd00:10:244:35::/122"))
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(view: view))
        let sources = report.cluster?.expectationSources ?? []
        #expect(!sources.contains { $0.expectation == "blockSize" && $0.source.hasPrefix("cluster") })
        #expect(!sources.contains { $0.expectation == "blockSizeV6" && $0.source.hasPrefix("cluster") } || (116...128).contains(size))
    }

    @Test("an IPIP pool next to the VXLAN pool: this node's IPIP block blackholed by BIRD (another block size) is healthy")
    func ipipBlockBlackholedByBird() throws {
        // With BGP, BIRD (not Felix) installs the local blocks' blackholes of IPIP pools: `proto bird`,
        // here /28 blocks while the VXLAN pool's are /26.
        var snapshot = try F.calico()
        snapshot.routes.append(Route(type: .blackhole, protocol_: .bird, destination: F.prefix("10.244.7.16/28")))
        // A pod of this node in that block.
        snapshot.routes.append(
            Route(scope: .link, destination: F.prefix("10.244.7.20/32"), nextHops: [NextHop(interfaceIndex: snapshot.index(of: "cali3a1b2c4d5e6"))]))
        var view = C.calicoView
        view.pools.append(
            CalicoIPPool(name: "ipip-ippool", cidr: F.prefix("10.244.0.0/16"), blockSize: 28, vxlanMode: "Never", ipipMode: "Always"))
        view.blockAffinities.append(C.affinity(C.localName, "10.244.7.16/28"))
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(report.problems.isEmpty, "\(summaries(report))")
        // Without any blackhole the block is still reported.
        snapshot.removeRoutes(to: "10.244.7.16/28")
        expectFindings(
            C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view)), .blockBlackholeMissing, severity: .warning,
            objects: ["10.244.7.16/28"])
    }

    @Test("two VXLAN pools of different block sizes: each pool's blocks have its own size, no block-outside-pool")
    func poolsOfDifferentBlockSizes() throws {
        var snapshot = try F.calico()
        let vxlan = snapshot.index(of: "vxlan.calico")
        snapshot.routes.append(
            Route(
                protocol_: .felix, destination: F.prefix("10.250.0.16/28"),
                nextHops: [NextHop(gateway: F.address("192.168.35.0"), interfaceIndex: vxlan, flags: .onlink)]))
        snapshot.routes.append(Route(type: .blackhole, protocol_: .felix, destination: F.prefix("10.250.1.32/28")))
        var view = C.calicoView
        view.pools.append(CalicoIPPool(name: "small-blocks", cidr: F.prefix("10.250.0.0/16"), blockSize: 28, vxlanMode: "Always"))
        view.blockAffinities += [C.affinity("ip-10-90-1-182", "10.250.0.16/28"), C.affinity(C.localName, "10.250.1.32/28")]
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(report.problems.isEmpty, "\(summaries(report))")
        // A route of the wrong size in that pool is still one.
        snapshot.routes.append(
            Route(
                protocol_: .felix, destination: F.prefix("10.250.2.0/26"),
                nextHops: [NextHop(gateway: F.address("192.168.35.0"), interfaceIndex: vxlan, flags: .onlink)]))
        let wrong = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(wrong.findings(.blockOutsidePool).map(\.object) == ["10.250.2.0/26"], "\(summaries(wrong))")
    }

    @Test("this node's own /32 block (a tunnel-address pool of blockSize 32) has no blackhole: Felix never installs one")
    func ownHostBlockHasNoBlackhole() throws {
        // felix/dataplane/linux/route_mgr.go routeIsLocalBlock ignores /32 and /128 blocks: a blackhole
        // would stop the CNI plugin from programming the workload's own /32.
        var view = C.calicoView
        view.pools.append(CalicoIPPool(name: "tunnel-ippool", cidr: F.prefix("10.255.0.0/24"), blockSize: 32, vxlanMode: "Always"))
        view.blockAffinities += [C.affinity(C.localName, "10.255.0.193/32"), C.affinity(C.localName, "10.255.0.7/32")]
        // A pod of this node with the address of a /32 block.
        var snapshot = try F.calico()
        snapshot.routes.append(
            Route(scope: .link, destination: F.prefix("10.255.0.7/32"), nextHops: [NextHop(interfaceIndex: snapshot.index(of: "cali3a1b2c4d5e6"))]))
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(report.problems.isEmpty, "\(summaries(report))")
    }
}
