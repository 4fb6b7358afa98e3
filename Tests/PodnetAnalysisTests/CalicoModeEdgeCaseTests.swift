import PodnetAnalysis
import PodnetModel
import Testing

/// Healthy Calico nodes that are not the textbook VXLAN node must not look broken (review findings).
@Suite("Calico edge cases")
struct CalicoModeEdgeCaseTests {
    typealias F = AnalysisFixtures

    /// The healthy fixture turned into a BGP-mode node: no vxlan.calico, remote blocks via eth0 from BIRD.
    static func bgpNode() throws -> NodeSnapshot {
        var snapshot = try F.calico()
        let device = snapshot.index(of: "vxlan.calico")
        let eth0 = snapshot.index(of: "eth0")
        snapshot.links.removeAll { $0.index == device }
        snapshot.addresses.removeAll { $0.interfaceIndex == device }
        snapshot.neighbours.removeAll { $0.interfaceIndex == device }
        snapshot.fdb.removeAll { $0.interfaceIndex == device }
        for position in snapshot.routes.indices where snapshot.routes[position].protocol_ == .felix {
            snapshot.routes[position].protocol_ = .bird
            if snapshot.routes[position].type == .unicast {
                snapshot.routes[position].nextHops = [NextHop(gateway: F.address("10.10.2.50"), interfaceIndex: eth0)]
            }
        }
        return snapshot
    }

    @Test("a BGP-mode Calico node (routes proto bird, no vxlan.calico) is not a VXLAN node missing its device")
    func bgpModeIsNotBrokenVXLAN() throws {
        let report = F.analyze(try Self.bgpNode(), Expectations())
        #expect(report.cni.detected == .unknown, "\(report.cni)")
        #expect(report.cni.reason.contains("BGP"), "\(report.cni.reason)")
        expectNoFinding(report, .vxlanDeviceMissing)
        expectNoFinding(report, .blockBlackholeMissing)
        // The near-identical VXLAN node without its device still is one.
        var noDevice = try F.calico()
        let device = noDevice.index(of: "vxlan.calico")
        noDevice.links.removeAll { $0.index == device }
        noDevice.routes.removeAll { $0.nextHops.contains { $0.interfaceIndex == device } }
        expectFindings(F.analyze(noDevice, Expectations()), .vxlanDeviceMissing, severity: .critical, objects: ["vxlan.calico"])
    }

    @Test("a VTEP whose tunnel IP is borrowed is routed by `TUNNEL_IP dev vxlan.calico`, not unrouted")
    func borrowedTunnelIP() throws {
        var snapshot = try F.calico()
        let device = snapshot.index(of: "vxlan.calico")
        // Node 10.10.1.14's blocks are gone; Felix routes its borrowed tunnel IP directly on the device.
        _ = snapshot.removeRoutes(to: "192.168.94.64/26")
        let routed = snapshot
        snapshot.routes.append(
            Route(protocol_: .felix, scope: .link, destination: F.prefix("192.168.94.64/32"), nextHops: [NextHop(interfaceIndex: device)]))
        expectNoFinding(F.analyze(snapshot, Expectations()), .vxlanRouteMissing)
        // Without that route, the VTEP really has nothing routed through it.
        expectFindings(F.analyze(routed, Expectations()), .vxlanRouteMissing, severity: .critical, objects: ["192.168.94.64"])
    }

    @Test("CrossSubnet with /24 blocks: a VTEP whose node is routed directly via its host IP is not unrouted")
    func crossSubnetOtherBlockSize() throws {
        var snapshot = try F.calico()
        let eth0 = snapshot.index(of: "eth0")
        _ = snapshot.removeRoutes(to: "192.168.94.64/26")
        snapshot.routes.append(
            Route(protocol_: .felix, destination: F.prefix("192.168.94.0/24"), nextHops: [NextHop(gateway: F.address("10.10.1.14"), interfaceIndex: eth0)]))
        expectNoFinding(F.analyze(snapshot, Expectations()), .vxlanRouteMissing)
    }

    @Test("a blackhole of the block size counts as a local block whatever its protocol (DeviceRouteProtocol)")
    func blackholeOfAnyProtocol() throws {
        var snapshot = try F.calico()
        snapshot.modifyRoutes(to: "192.168.231.0/26") { $0.protocol_ = .static }
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .blockBlackholeMissing)
        _ = snapshot.removeRoutes(to: "192.168.231.0/26")
        expectFindings(
            F.analyze(snapshot, F.calicoExpectations), .blockBlackholeMissing, severity: .warning, objects: ["192.168.231.0/26"])
    }

    @Test("workload-proxy-arp-off: a Calico veth without proxy ARP cuts its pod off from 169.254.1.1")
    func proxyARPOff() throws {
        var snapshot = try F.calico()
        #expect(snapshot.link(named: "cali9ce7ff61306")?.ipv4?.proxyARP == true)
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .workloadProxyARPOff)
        snapshot.modifyLink("cali9ce7ff61306") { $0.ipv4?.proxyARP = false }
        expectFindings(
            F.analyze(snapshot, F.calicoExpectations), .workloadProxyARPOff, severity: .warning, objects: ["cali9ce7ff61306"])
    }
}
