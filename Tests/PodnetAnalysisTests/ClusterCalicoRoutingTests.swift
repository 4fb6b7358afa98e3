import PodnetAnalysis
import PodnetModel
import Testing

/// CrossSubnet direct routes and IPv6 VTEPs against the cluster's view (fixture snapshots).
@Suite("Cluster view: CrossSubnet gateways and IPv6 VTEPs")
struct ClusterCalicoRoutingTests {
    typealias F = AnalysisFixtures
    typealias C = ClusterFixtures

    func summaries(_ report: Report) -> [String] { report.findings.map { "\($0.check) \($0.object): \($0.summary)" } }

    // MARK: CrossSubnet

    /// The fixture's cluster with a CrossSubnet pool and a fourth node at `address` (this node's
    /// subnet is 10.10.2.0/24) owning 192.168.50.0/26, routed directly via `gateway` dev eth0.
    func crossSubnet(owner address: String, gateway: String, mode: String = "CrossSubnet") throws -> (NodeSnapshot, ClusterView) {
        var snapshot = try F.calico()
        let eth0 = snapshot.index(of: "eth0")
        snapshot.routes.append(
            Route(protocol_: .felix, destination: F.prefix("192.168.50.0/26"), nextHops: [NextHop(gateway: F.address(gateway), interfaceIndex: eth0)]))
        var view = C.calicoView
        view.pools[0].vxlanMode = mode
        // No tunnel MAC annotated: its VTEP is not what these tests are about.
        view.nodes.append(
            ClusterNode(
                name: "ip-node-50", uid: "uid-50", calicoIPv4Address: IPPrefix(address), vxlanTunnelAddress: IPAddress("192.168.50.0"),
                internalIPs: [IPPrefix(address)!.address]))
        view.blockAffinities.append(C.affinity("ip-node-50", "192.168.50.0/26"))
        return (snapshot, view)
    }

    @Test("CrossSubnet: a block of a node in this subnet routed directly via its address is healthy")
    func crossSubnetDirectViaOwner() throws {
        let (snapshot, view) = try crossSubnet(owner: "10.10.2.50/24", gateway: "10.10.2.50")
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(report.problems.isEmpty, "\(summaries(report))")
    }

    @Test("CrossSubnet: a direct route via another address than the owner's (node re-addressed) is critical")
    func crossSubnetWrongGateway() throws {
        let (snapshot, view) = try crossSubnet(owner: "10.10.2.50/24", gateway: "10.10.2.77")
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .crossSubnetRouteWrongGateway, severity: .critical, objects: ["192.168.50.0/26"])
        let summary = try #require(report.findings(.crossSubnetRouteWrongGateway).first?.summary)
        #expect(summary.contains("of node ip-node-50"), "\(summary)")
        #expect(summary.contains("via 10.10.2.77 dev eth0"), "\(summary)")
        #expect(summary.contains("expected via the node's address 10.10.2.50"), "\(summary)")
        #expect(Set(report.problems.map(\.check)) == [.crossSubnetRouteWrongGateway], "\(summaries(report))")
    }

    @Test("CrossSubnet: without the Calico address annotation the owner's InternalIP is the gateway")
    func crossSubnetInternalIPGateway() throws {
        var (snapshot, view) = try crossSubnet(owner: "10.10.2.50/24", gateway: "10.10.2.50")
        view.nodes[view.nodes.count - 1].calicoIPv4Address = nil
        view.nodes[view.nodes.count - 1].internalIPs = [F.address("10.10.2.51")]
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .crossSubnetRouteWrongGateway, severity: .critical, objects: ["192.168.50.0/26"])
        #expect(report.findings(.crossSubnetRouteWrongGateway).first?.summary.contains("10.10.2.51") == true)
        snapshot.modifyRoutes(to: "192.168.50.0/26") { $0.nextHops[0].gateway = F.address("10.10.2.51") }
        #expect(C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view)).problems.isEmpty)
    }

    @Test("CrossSubnet: a block of a node outside this subnet routed directly must go through vxlan.calico")
    func crossSubnetOwnerOutsideSubnet() throws {
        let (snapshot, view) = try crossSubnet(owner: "10.10.3.50/24", gateway: "10.10.3.50")
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanModeMismatch, severity: .warning, objects: ["192.168.50.0/26"])
        let finding = try #require(report.findings(.vxlanModeMismatch).first)
        #expect(finding.summary.contains("expected via 192.168.50.0 dev vxlan.calico (IPPool default-ipv4-ippool vxlanMode CrossSubnet)"), "\(finding.summary)")
        #expect(finding.detail.contains("outside this node's subnet 10.10.2.0/24"), "\(finding.detail)")
        expectNoFinding(report, .crossSubnetRouteWrongGateway)
    }

    @Test("Always: any direct route of a remote block is a mode mismatch, reported once with calico.vxlanMode too")
    func alwaysPoolDirectRoute() throws {
        let (snapshot, view) = try crossSubnet(owner: "10.10.2.50/24", gateway: "10.10.2.50", mode: "Always")
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanModeMismatch, severity: .warning, objects: ["192.168.50.0/26"])
        var configured = C.calicoExpectations
        configured.calico.vxlanMode = .always
        let both = C.analyze(snapshot, configured, ClusterInput(view: view))
        #expect(both.findings(.vxlanModeMismatch).count == 1, "\(summaries(both))")
    }

    // MARK: IPv6 VTEPs

    static let v6Device: InterfaceIndex = 90
    static let remoteV6Block = "fd00:10:244:35::/122"
    static let remoteV6Tunnel = "fd00:10:244:35::"
    static let remoteV6MAC = "66:5e:2b:11:9a:61"
    static let remoteV6Host = "fd00:90::182"

    /// The fixture with `vxlan-v6.calico` carrying node ip-10-90-1-182's IPv6 block, its neighbour
    /// and FDB entry, and a view with an IPv6 VXLAN pool and that node's IPv6 annotations.
    static func dualStack() throws -> (NodeSnapshot, ClusterView) {
        var snapshot = try F.calico()
        snapshot.host.ipv6Forwarding = true  // IPv6 pods need it (ip-forwarding-disabled otherwise)
        var device = try #require(snapshot.link(named: "vxlan.calico"))
        device.index = v6Device
        device.name = "vxlan-v6.calico"
        device.mac = HardwareAddress("66:d4:8b:2a:17:c6")
        device.mtu = 8931
        device.vxlan?.local = F.address("fd00:10::193")
        snapshot.links.append(device)
        let eth0 = snapshot.index(of: "eth0")
        snapshot.addresses.append(Address(interfaceIndex: eth0, prefix: F.prefix("fd00:10::193/64")))
        snapshot.addresses.append(Address(interfaceIndex: v6Device, prefix: F.prefix("fd00:10:244:e7::/128")))
        snapshot.routes.append(
            Route(
                protocol_: .felix, destination: F.prefix(remoteV6Block),
                nextHops: [NextHop(gateway: F.address(remoteV6Tunnel), interfaceIndex: v6Device, flags: .onlink)]))
        snapshot.neighbours.append(Neighbour(interfaceIndex: v6Device, address: F.address(remoteV6Tunnel), mac: HardwareAddress(remoteV6MAC)))
        snapshot.fdb.append(FDBEntry(mac: HardwareAddress(remoteV6MAC)!, interfaceIndex: v6Device, destination: F.address(remoteV6Host)))

        var view = C.calicoView
        view.pools.append(CalicoIPPool(name: "default-ipv6-ippool", cidr: F.prefix("fd00:10:244::/48"), vxlanMode: "Always"))
        view.blockAffinities.append(C.affinity("ip-10-90-1-182", remoteV6Block))
        view.nodes[0].calicoIPv6Address = IPPrefix("fd00:10::193/64")
        view.nodes[0].vxlanTunnelAddressV6 = IPAddress("fd00:10:244:e7::")
        view.nodes[0].vxlanTunnelMACV6 = HardwareAddress("66:d4:8b:2a:17:c6")
        view.nodes[1].calicoIPv6Address = IPPrefix(remoteV6Host + "/64")
        view.nodes[1].vxlanTunnelAddressV6 = IPAddress(remoteV6Tunnel)
        view.nodes[1].vxlanTunnelMACV6 = HardwareAddress(remoteV6MAC)
        return (snapshot, view)
    }

    @Test("dual stack: IPv6 blocks, neighbours and FDB entries on vxlan-v6.calico match the cluster: no finding")
    func dualStackHealthy() throws {
        let (snapshot, view) = try Self.dualStack()
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(report.problems.isEmpty, "\(summaries(report))")
        let sources = try #require(report.cluster).expectationSources.first { $0.expectation == "remoteBlocks" }
        #expect(sources?.source.hasPrefix("cluster (3 blocks of 2 other nodes") == true, "\(String(describing: sources))")
    }

    @Test("dual stack: an IPv6 block Felix did not program is missing by node name, via its IPv6 tunnel address")
    func dualStackRouteMissing() throws {
        var (snapshot, view) = try Self.dualStack()
        snapshot.removeRoutes(to: Self.remoteV6Block)
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanRouteMissing, severity: .critical, objects: [Self.remoteV6Block])
        #expect(
            report.findings(.vxlanRouteMissing).first?.summary
                == "no route for remote block \(Self.remoteV6Block) of node ip-10-90-1-182 via \(Self.remoteV6Tunnel) dev vxlan-v6.calico")
        // Without IPv6 pools in the view nothing is asked of vxlan-v6.calico.
        view.pools.removeLast()
        view.blockAffinities.removeLast()
        // (The kernel-only check still sees a programmed VTEP with no route: that is not the cluster's.)
        let withoutV6 = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(!withoutV6.findings(.vxlanRouteMissing).contains { $0.object == Self.remoteV6Block }, "\(summaries(withoutV6))")
    }

    @Test("an IPv6 pool without VXLAN (vxlanMode Never) asks for no vxlan-v6.calico; one with VXLAN does")
    func ipv6PoolWithoutVXLAN() throws {
        var (snapshot, view) = try Self.dualStack()
        snapshot.removeLink(named: "vxlan-v6.calico")
        view.pools[1].vxlanMode = "Never"
        view.blockAffinities.removeLast()
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectNoFinding(report, .vxlanDeviceMissing)
        view.pools[1].vxlanMode = "CrossSubnet"
        expectFindings(
            C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view)), .vxlanDeviceMissing, severity: .critical,
            objects: ["vxlan-v6.calico"])
    }

    @Test("dual stack CrossSubnet: an IPv6 block of a node in this IPv6 subnet goes via its projectcalico.org/IPv6Address")
    func ipv6CrossSubnetGateway() throws {
        var (snapshot, view) = try Self.dualStack()
        view.pools[1].vxlanMode = "CrossSubnet"
        view.nodes[1].calicoIPv6Address = IPPrefix("fd00:10::182/64")
        let eth0 = snapshot.index(of: "eth0")
        snapshot.modifyRoutes(to: Self.remoteV6Block) { $0.nextHops = [NextHop(gateway: F.address("fd00:10::99"), interfaceIndex: eth0)] }
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .crossSubnetRouteWrongGateway, severity: .critical, objects: [Self.remoteV6Block])
        #expect(
            report.findings(.crossSubnetRouteWrongGateway).first?.summary
                == "\(Self.remoteV6Block) of node ip-10-90-1-182 is routed directly via fd00:10::99 dev eth0, expected via the node's address fd00:10::182")
        snapshot.modifyRoutes(to: Self.remoteV6Block) { $0.nextHops = [NextHop(gateway: F.address("fd00:10::182"), interfaceIndex: eth0)] }
        expectNoFinding(C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view)), .crossSubnetRouteWrongGateway)
    }

    @Test("dual stack: the IPv6 VTEP's missing neighbour entry is named with its node")
    func dualStackNeighbourMissing() throws {
        var (snapshot, view) = try Self.dualStack()
        snapshot.neighbours.removeAll { $0.interfaceIndex == Self.v6Device }
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanVTEPMissing, severity: .critical, objects: ["ip-10-90-1-182 (IPv6)"])
        #expect(report.findings(.vxlanVTEPMissing).first?.summary == "node ip-10-90-1-182: no neighbour entry \(Self.remoteV6Tunnel) → \(Self.remoteV6MAC)")
        expectFindings(report, .vxlanRouteUnresolved, severity: .critical, objects: [Self.remoteV6Block])
    }

    @Test("dual stack: a stale IPv6 MAC (VXLANTunnelMACAddrV6) and a stale IPv6 node address in the FDB")
    func dualStackStale() throws {
        var (snapshot, view) = try Self.dualStack()
        view.nodes[1].vxlanTunnelMACV6 = HardwareAddress("66:5e:2b:11:9a:99")
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanVTEPStale, severity: .critical, objects: ["ip-10-90-1-182 (IPv6)"])
        #expect(report.findings(.vxlanVTEPStale).first?.summary.contains("but the node's VXLANTunnelMACAddrV6 is 66:5e:2b:11:9a:99") == true)
        (snapshot, view) = try Self.dualStack()
        view.nodes[1].calicoIPv6Address = IPPrefix("fd00:90::200/64")
        let moved = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        #expect(moved.findings(.vxlanVTEPStale).first?.summary.contains("FDB \(Self.remoteV6MAC) → \(Self.remoteV6Host), but the node's address is fd00:90::200") == true, "\(summaries(moved))")
    }

    @Test("dual stack: vxlan-v6.calico's local address must be the node's projectcalico.org/IPv6Address")
    func dualStackDeviceLocalAddress() throws {
        var (snapshot, view) = try Self.dualStack()
        view.nodes[0].calicoIPv6Address = IPPrefix("fd00:10::200/64")
        let report = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(report, .vxlanDeviceConfig, severity: .warning, objects: ["vxlan-v6.calico"])
        #expect(report.findings(.vxlanDeviceConfig).first?.summary.contains("not the node's Calico IPv6 address fd00:10::200 (projectcalico.org/IPv6Address)") == true)
        snapshot.modifyLink("vxlan-v6.calico") { $0.vxlan?.local = F.address("fd00:10::200") }
        snapshot.addresses.append(Address(interfaceIndex: snapshot.index(of: "eth0"), prefix: F.prefix("fd00:10::200/64")))
        expectNoFinding(C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view)), .vxlanDeviceConfig)
    }

    @Test("dual stack: a node missing both its IPv4 and IPv6 VTEPs gives two findings told apart by their objects")
    func dualStackVTEPFindingsAreDistinct() throws {
        var (snapshot, view) = try Self.dualStack()
        // Node re-created: a new MAC in both families; Felix here kept the old ones.
        view.nodes[1].vxlanTunnelMAC = HardwareAddress("66:5e:2b:11:9a:99")
        view.nodes[1].vxlanTunnelMACV6 = HardwareAddress("66:5e:2b:11:9a:98")
        let stale = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        // The daemon tracks a finding by (check, object): with one object for both families, one of the
        // two problems vanished from /status, /metrics and the log, and one family's repair looked like none.
        expectFindings(stale, .vxlanVTEPStale, severity: .critical, objects: ["ip-10-90-1-182", "ip-10-90-1-182 (IPv6)"])
        #expect(stale.findings(.vxlanVTEPStale).last?.summary.contains("VXLANTunnelMACAddrV6 is 66:5e:2b:11:9a:98") == true)
        (snapshot, view) = try Self.dualStack()
        snapshot.neighbours.removeAll { $0.address == F.address("192.168.35.0") || $0.interfaceIndex == Self.v6Device }
        let missing = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
        expectFindings(missing, .vxlanVTEPMissing, severity: .critical, objects: ["ip-10-90-1-182", "ip-10-90-1-182 (IPv6)"])
        let keys = missing.findings.map { "\($0.check) \($0.object)" }
        #expect(Set(keys).count == keys.count, "\(keys)")
    }
}
