import PodnetAnalysis
import PodnetModel
import Testing

@Suite("Calico VXLAN checks")
struct CalicoVXLANCheckTests {
    typealias F = AnalysisFixtures

    @Test("the healthy Calico VXLAN node raises no finding at all")
    func healthyNodeIsClean() throws {
        let report = F.analyze(try F.calico(), F.calicoExpectations)
        #expect(report.findings.isEmpty, "\(report.findings.map { "\($0.check) \($0.object): \($0.summary)" })")
        #expect(report.cni.detected == .calicoVXLAN)
        #expect(report.inventory.workloads == 3)
        #expect(report.inventory.workloadRoutes == 3)
        #expect(report.inventory.blocks == 1)
        #expect(report.inventory.remoteBlocks == 2)
        #expect(report.inventory.vxlanRoutes == 2)
        #expect(report.inventory.vteps == 2)
    }

    @Test("the healthy node without any config (cni auto, nothing expected) is clean too")
    func healthyNodeWithDefaultsIsClean() throws {
        let report = F.analyze(try F.calico(), Expectations())
        #expect(report.problems.isEmpty, "\(report.problems.map(\.summary))")
        #expect(report.inventory.podCIDRsSource.contains("observed Calico blocks"))
    }

    @Test("vxlan-device-missing: no vxlan.calico while Calico's veths and blackhole are there")
    func deviceMissing() throws {
        var snapshot = try F.calico()
        snapshot.removeLink(named: "vxlan.calico")
        let report = F.analyze(snapshot, F.calicoExpectations)
        #expect(report.cni.detected == .calicoVXLAN)
        expectFindings(report, .vxlanDeviceMissing, severity: .critical, objects: ["vxlan.calico"])
        #expect(
            report.findings(.vxlanDeviceMissing).first?.evidence.contains("blackhole 192.168.231.0/26 proto 80") == true
        )
        // The expected blocks are checked through the device, which is not there: no pile-up of route findings.
        expectNoFinding(report, .vxlanRouteMissing)
    }

    @Test("vxlan-device-down: administratively down, and up without carrier")
    func deviceDown() throws {
        var down = try F.calico()
        down.setLinkDown("vxlan.calico")
        expectFindings(
            F.analyze(down, F.calicoExpectations), .vxlanDeviceDown, severity: .critical, objects: ["vxlan.calico"])

        var noCarrier = try F.calico()
        noCarrier.modifyLink("vxlan.calico") { $0.flags.remove(.lowerUp) }
        let report = F.analyze(noCarrier, F.calicoExpectations)
        expectFindings(report, .vxlanDeviceDown, severity: .critical, objects: ["vxlan.calico"])
        #expect(report.findings(.vxlanDeviceDown).first?.summary.contains("no carrier") == true)
    }

    @Test("vxlan-device-config: VNI, port and stale local address differ from what is expected")
    func deviceConfig() throws {
        var snapshot = try F.calico()
        snapshot.modifyLink("vxlan.calico") {
            $0.vxlan?.vni = 1
            $0.vxlan?.port = 8472
        }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .vxlanDeviceConfig, severity: .warning, objects: ["vxlan.calico"])
        let summary = try #require(report.findings(.vxlanDeviceConfig).first?.summary)
        #expect(summary.contains("VNI 1, expected 4096"))
        #expect(summary.contains("UDP port 8472, expected 4789"))

        var stale = try F.calico()
        stale.modifyLink("vxlan.calico") { $0.vxlan?.local = IPAddress("10.10.2.250") }
        expectFindings(
            F.analyze(stale, F.calicoExpectations), .vxlanDeviceConfig, severity: .warning, objects: ["vxlan.calico"])

        // The same settings, when configured, are fine.
        var expectations = F.calicoExpectations
        expectations.calico.vxlanVNI = 1
        expectations.calico.vxlanPort = 8472
        expectNoFinding(F.analyze(snapshot, expectations), .vxlanDeviceConfig)
    }

    @Test("vxlan-mtu: device MTU above underlay − 50")
    func deviceMTU() throws {
        var snapshot = try F.calico()
        snapshot.modifyLink("vxlan.calico") { $0.mtu = 8952 }
        snapshot.modifyLink("cali9ce7ff61306") { $0.mtu = 8952 }
        snapshot.modifyLink("cali3a1b2c4d5e6") { $0.mtu = 8952 }
        snapshot.modifyLink("calif00ba4c1d22") { $0.mtu = 8952 }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .vxlanMTU, severity: .warning, objects: ["vxlan.calico"])
        #expect(report.findings(.vxlanMTU).first?.summary.contains("9001 − 50 = 8951") == true)
    }

    @Test("vxlan-mtu: a workload veth MTU above the VXLAN device's")
    func workloadMTU() throws {
        var snapshot = try F.calico()
        snapshot.modifyLink("cali3a1b2c4d5e6") { $0.mtu = 9001 }
        expectFindings(
            F.analyze(snapshot, F.calicoExpectations), .vxlanMTU, severity: .warning, objects: ["cali3a1b2c4d5e6"])
    }

    @Test("vxlan-route-missing: an expected remote block has no route (object: the block)")
    func expectedBlockRouteMissing() throws {
        var snapshot = try F.calico()
        snapshot.removeRoutes(to: "192.168.35.0/26")
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .vxlanRouteMissing, severity: .critical, objects: ["192.168.35.0/26"])
        #expect(problemChecks(report) == ["vxlan-route-missing"])
        #expect(report.inventory.remoteBlocks == 1)
    }

    @Test("vxlan-route-missing: a VTEP with nothing routed through it (object: its tunnel IP)")
    func vtepWithoutRoute() throws {
        var snapshot = try F.calico()
        snapshot.removeRoutes(to: "192.168.35.0/26")
        let report = F.analyze(snapshot, Expectations())
        expectFindings(report, .vxlanRouteMissing, severity: .critical, objects: ["192.168.35.0"])
        #expect(report.findings(.vxlanRouteMissing).first?.summary.contains("10.90.1.182") == true)
        #expect(problemChecks(report) == ["vxlan-route-missing"])
    }

    @Test("CrossSubnet: an expected block routed directly via the owner's node IP is not missing")
    func crossSubnetRouteIsFine() throws {
        var snapshot = try F.calico()
        let eth0 = snapshot.index(of: "eth0")
        snapshot.modifyRoutes(to: "192.168.94.64/26") {
            $0.nextHops = [NextHop(gateway: IPAddress("10.10.1.14"), interfaceIndex: eth0)]
        }
        let report = F.analyze(snapshot, F.calicoExpectations)
        #expect(report.problems.isEmpty, "\(report.problems.map(\.summary))")
    }

    @Test("vxlan-route-wrong-next-hop: an expected block routed via another node's tunnel IP")
    func wrongNextHop() throws {
        var snapshot = try F.calico()
        snapshot.modifyRoutes(to: "192.168.35.0/26") { $0.nextHops[0].gateway = IPAddress("192.168.94.64") }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .vxlanRouteWrongNextHop, severity: .critical, objects: ["192.168.35.0/26"])
        #expect(problemChecks(report) == ["vxlan-route-wrong-next-hop"])
    }

    @Test("vxlan-route-unresolved: the tunnel IP has no neighbour entry")
    func unresolvedWithoutNeighbour() throws {
        var snapshot = try F.calico()
        snapshot.neighbours.removeAll { $0.address == IPAddress("192.168.35.0") }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .vxlanRouteUnresolved, severity: .critical, objects: ["192.168.35.0/26"])
        #expect(problemChecks(report) == ["vxlan-route-unresolved"])
        #expect(
            report.findings(.vxlanRouteUnresolved).first?.evidence.first
                == "192.168.35.0/26 via 192.168.35.0 dev vxlan.calico proto 80 onlink")
    }

    @Test("vxlan-route-unresolved: the neighbour's MAC has no FDB entry")
    func unresolvedWithoutFDB() throws {
        var snapshot = try F.calico()
        snapshot.fdb.removeAll { $0.destination == IPAddress("10.90.1.182") }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .vxlanRouteUnresolved, severity: .critical, objects: ["192.168.35.0/26"])
        #expect(report.findings(.vxlanRouteUnresolved).first?.summary.contains("no FDB entry") == true)
        #expect(report.inventory.vteps == 1)
    }

    @Test("vxlan-route-unresolved: the neighbour is not permanent")
    func unresolvedNeighbourNotPermanent() throws {
        var snapshot = try F.calico()
        for position in snapshot.neighbours.indices
        where snapshot.neighbours[position].address == IPAddress("192.168.35.0") {
            snapshot.neighbours[position].state = .stale
        }
        expectFindings(
            F.analyze(snapshot, F.calicoExpectations), .vxlanRouteUnresolved, severity: .critical,
            objects: ["192.168.35.0/26"])
    }

    @Test("block-blackhole-missing: local workloads in a block without its blackhole")
    func blackholeMissing() throws {
        var snapshot = try F.calico()
        snapshot.removeRoutes(to: "192.168.231.0/26") { $0.type == .blackhole }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .blockBlackholeMissing, severity: .warning, objects: ["192.168.231.0/26"])
        #expect(report.findings(.blockBlackholeMissing).first?.evidence.count == 3)
        #expect(problemChecks(report) == ["block-blackhole-missing"])
    }

    @Test("a borrowed workload IP inside another node's block needs no blackhole here")
    func borrowedIPIsFine() throws {
        var snapshot = try F.calico()
        let cali = snapshot.index(of: "calif00ba4c1d22")
        snapshot.modifyRoutes(to: "192.168.231.5/32") {
            $0 = Route(
                scope: .link, destination: IPPrefix("192.168.94.70/32")!, nextHops: [NextHop(interfaceIndex: cali)])
        }
        let report = F.analyze(snapshot, F.calicoExpectations)
        #expect(report.problems.isEmpty, "\(report.problems.map(\.summary))")
    }

    @Test("block-outside-pool: a Felix blackhole outside the pod CIDRs, and a VXLAN route of another size")
    func blockOutsidePool() throws {
        var snapshot = try F.calico()
        snapshot.routes.append(Route(type: .blackhole, protocol_: .felix, destination: IPPrefix("10.244.1.0/26")!))
        let vxlan = snapshot.index(of: "vxlan.calico")
        snapshot.routes.append(
            Route(
                protocol_: .felix, destination: IPPrefix("192.168.40.0/24")!,
                nextHops: [NextHop(gateway: IPAddress("192.168.35.0"), interfaceIndex: vxlan, flags: .onlink)]))
        // A borrowed /32 through the tunnel is neither.
        snapshot.routes.append(
            Route(
                protocol_: .felix, destination: IPPrefix("192.168.231.9/32")!,
                nextHops: [NextHop(gateway: IPAddress("192.168.35.0"), interfaceIndex: vxlan, flags: .onlink)]))
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .blockOutsidePool, severity: .warning, objects: ["10.244.1.0/26", "192.168.40.0/24"])
        #expect(
            report.findings(.blockOutsidePool).map(\.summary) == [
                "10.244.1.0/26 is outside the pod CIDRs (192.168.0.0/16)",
                "192.168.40.0/24 is a /24, not a /26 block",
            ])
        // Without configured pools there is nothing to compare with.
        expectNoFinding(F.analyze(snapshot, Expectations()), .blockOutsidePool)
    }
}
