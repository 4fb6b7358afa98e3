import PodnetAnalysis
import PodnetModel
import Testing

@Suite("AWS VPC CNI checks")
struct VPCCNICheckTests {
    typealias F = AnalysisFixtures

    @Test("the healthy VPC CNI node raises no finding")
    func healthyNodeIsClean() throws {
        let report = F.analyze(try F.vpcCNI(), F.vpcCNIExpectations)
        #expect(report.findings.isEmpty, "\(report.findings.map { "\($0.check) \($0.object): \($0.summary)" })")
        #expect(report.cni.detected == .awsVPCCNI)
        #expect(report.inventory.enis == 2)
        #expect(report.inventory.workloads == 3)
    }

    @Test("the VPC CNI is recognised by its host rule even before a pod runs")
    func detectedByHostRule() throws {
        var snapshot = try F.vpcCNI()
        snapshot.links.removeAll { $0.name.hasPrefix("eni") }
        snapshot.routes.removeAll {
            $0.destination.isHost && $0.table == .main && $0.scope == .link && $0.family == .ipv4
                && $0.protocol_ == .boot
        }
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        #expect(report.cni.detected == .awsVPCCNI)
        #expect(report.cni.reason.contains("fwmark 0x80/0x80"))
    }

    @Test("the host rule as ipamd writes it (`1024: from all fwmark 0x80/0x80 lookup main`, not inverted) is recognised")
    func detectedByRealHostRule() throws {
        var snapshot = try F.vpcCNI()
        snapshot.links.removeAll { $0.name.hasPrefix("eni") }
        snapshot.routes.removeAll {
            $0.destination.isHost && $0.table == .main && $0.scope == .link && $0.family == .ipv4
                && $0.protocol_ == .boot
        }
        for position in snapshot.rules.indices where snapshot.rules[position].fwmark == 0x80 {
            snapshot.rules[position].invert = false
        }
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        #expect(report.cni.detected == .awsVPCCNI, "\(report.cni.reason)")
    }

    @Test("eni-rule-missing: a pod without its `to POD lookup main` rule")
    func ruleMissing() throws {
        var snapshot = try F.vpcCNI()
        snapshot.rules.removeAll { $0.to == IPPrefix("192.168.81.45/32") }
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        expectFindings(report, .eniRuleMissing, severity: .critical, objects: ["192.168.81.45"])
        #expect(problemChecks(report) == ["eni-rule-missing"])
    }

    @Test("eni-table-missing: `from POD lookup 2` while table 2 has no default route")
    func tableMissing() throws {
        var snapshot = try F.vpcCNI()
        snapshot.removeRoutes(to: "0.0.0.0/0") { $0.table == RouteTable(2) }
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        expectFindings(report, .eniTableMissing, severity: .critical, objects: ["table 2"])
        let evidence = try #require(report.findings(.eniTableMissing).first?.evidence)
        #expect(evidence.contains { $0.hasPrefix("1536: from 192.168.77.201") })
        #expect(evidence.contains("192.168.64.1 dev eth1 table 2 scope link"))
        #expect(problemChecks(report) == ["eni-table-missing"])
    }

    @Test("eni-secondary-conflict: a pod IP also configured on an ENI")
    func secondaryConflict() throws {
        var snapshot = try F.vpcCNI()
        snapshot.addresses.append(
            Address(interfaceIndex: snapshot.index(of: "eth1"), prefix: IPPrefix("192.168.81.45/32")!, flags: []))
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        expectFindings(report, .eniSecondaryConflict, severity: .critical, objects: ["192.168.81.45"])
        #expect(
            report.findings(.eniSecondaryConflict).first?.remediation.contains("ip addr del 192.168.81.45/32 dev eth1")
                == true)
        #expect(problemChecks(report) == ["eni-secondary-conflict"])
    }
}

@Suite("host-gw checks")
struct HostGWCheckTests {
    typealias F = AnalysisFixtures

    @Test("the healthy host-gw node raises no finding and is detected from the expected routes")
    func healthyNodeIsClean() throws {
        let report = F.analyze(try F.hostGW(), F.hostGWExpectations)
        #expect(report.findings.isEmpty, "\(report.findings.map { "\($0.check) \($0.object): \($0.summary)" })")
        #expect(report.cni.detected == .hostGW)
    }

    @Test("host-route-missing: an expected pod-CIDR route is absent")
    func routeAbsent() throws {
        var snapshot = try F.hostGW()
        snapshot.removeRoutes(to: "10.200.2.0/24")
        let report = F.analyze(snapshot, F.hostGWExpectations)
        expectFindings(report, .hostRouteMissing, severity: .critical, objects: ["10.200.2.0/24"])
        #expect(problemChecks(report) == ["host-route-missing"])
        #expect(
            report.findings(.hostRouteMissing).first?.remediation.contains(
                "ip route replace 10.200.2.0/24 via 10.240.0.22") == true)
    }

    @Test("host-route-missing: an expected route via another gateway")
    func routeViaOtherGateway() throws {
        var snapshot = try F.hostGW()
        snapshot.modifyRoutes(to: "10.200.1.0/24") { $0.nextHops[0].gateway = IPAddress("10.240.0.99") }
        let report = F.analyze(snapshot, F.hostGWExpectations)
        expectFindings(report, .hostRouteMissing, severity: .critical, objects: ["10.200.1.0/24"])
        #expect(
            report.findings(.hostRouteMissing).first?.summary
                == "route 10.200.1.0/24 via 10.240.0.21 goes via 10.240.0.99")
    }

    @Test(
        "pod-cidr-overlap on host-gw: the local pod bridge is the pod network's, a host subnet inside the pod CIDR is not"
    )
    func overlap() throws {
        expectNoFinding(F.analyze(try F.hostGW(), F.hostGWExpectations), .podCIDROverlap)
        var snapshot = try F.hostGW()
        snapshot.addresses.append(
            Address(interfaceIndex: snapshot.index(of: "ens5"), prefix: IPPrefix("10.200.9.4/24")!, flags: []))
        expectFindings(
            F.analyze(snapshot, F.hostGWExpectations), .podCIDROverlap, severity: .critical, objects: ["10.200.0.0/16"])
    }
}

@Suite("CNI detection")
struct DetectionTests {
    typealias F = AnalysisFixtures

    @Test("a node with nothing recognisable runs only the host checks and says so")
    func unknownNode() throws {
        var snapshot = try F.hostGW()
        snapshot.host.ipv4Forwarding = false
        let report = F.analyze(snapshot, Expectations(maxPods: 110, maxPodsSource: "default 110"))
        #expect(report.cni.detected == .unknown)
        expectFindings(report, .cniNotDetected, severity: .info, objects: ["cni"])
        expectFindings(report, .ipForwardingDisabled, severity: .critical, objects: ["net.ipv4.ip_forward"])
    }

    @Test("a configured CNI is used as given")
    func configuredMode() throws {
        let report = F.analyze(try F.hostGW(), Expectations(cni: .fixed(.calicoVXLAN), maxPods: 110))
        #expect(report.cni.detected == .calicoVXLAN)
        #expect(report.cni.configured == "calico-vxlan")
        expectFindings(report, .vxlanDeviceMissing, severity: .critical, objects: ["vxlan.calico"])
    }

    @Test("Calico in IPIP mode (tunl0 with an address) is not taken for VXLAN")
    func calicoIPIP() throws {
        var snapshot = try F.calico()
        let device = snapshot.index(of: "vxlan.calico")
        snapshot.links.removeAll { $0.index == device }
        snapshot.routes.removeAll { $0.nextHops.contains { $0.interfaceIndex == device } }
        snapshot.links.append(Link(index: 40, name: "tunl0", kind: "ipip", flags: [.up, .lowerUp, .noARP], mtu: 8981))
        snapshot.addresses.append(Address(interfaceIndex: 40, prefix: IPPrefix("192.168.231.0/32")!))
        let report = F.analyze(snapshot, Expectations())
        #expect(report.cni.detected == .unknown)
        #expect(report.cni.reason.contains("IPIP"))
    }
}
