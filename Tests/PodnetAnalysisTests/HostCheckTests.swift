import PodnetAnalysis
import PodnetModel
import Testing

@Suite("Host checks")
struct HostCheckTests {
    typealias F = AnalysisFixtures

    @Test("ip-forwarding-disabled: net.ipv4.ip_forward = 0")
    func ipv4ForwardingOff() throws {
        var snapshot = try F.calico()
        snapshot.host.ipv4Forwarding = false
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .ipForwardingDisabled, severity: .critical, objects: ["net.ipv4.ip_forward"])
        #expect(report.findings(.ipForwardingDisabled).first?.evidence == ["sysctl net.ipv4.ip_forward = 0"])
    }

    @Test("ip-forwarding-disabled: with global forwarding off, the interfaces' own values add nothing")
    func ipv4ForwardingOffEverywhere() throws {
        var snapshot = try F.calico()
        snapshot.host.ipv4Forwarding = false
        for position in snapshot.links.indices { snapshot.links[position].ipv4?.forwarding = false }
        expectFindings(
            F.analyze(snapshot, F.calicoExpectations), .ipForwardingDisabled, severity: .critical,
            objects: ["net.ipv4.ip_forward"])
    }

    @Test("ip-forwarding-disabled: off on one workload veth only")
    func interfaceForwardingOff() throws {
        var snapshot = try F.calico()
        snapshot.modifyLink("cali9ce7ff61306") { $0.ipv4?.forwarding = false }
        expectFindings(
            F.analyze(snapshot, F.calicoExpectations), .ipForwardingDisabled, severity: .critical,
            objects: ["net.ipv4.conf.cali9ce7ff61306.forwarding"])
    }

    @Test("ip-forwarding-disabled: IPv6 counts only when IPv6 pods are in use")
    func ipv6Forwarding() throws {
        let snapshot = try F.calico()  // ipv6Forwarding is false in the fixture
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .ipForwardingDisabled)
        var expectations = F.calicoExpectations
        expectations.podCIDRs.append(F.prefix("fd00:1234::/48"))
        let report = F.analyze(snapshot, expectations)
        expectFindings(report, .ipForwardingDisabled, severity: .critical, objects: ["net.ipv6.conf.all.forwarding"])
    }

    @Test("pod-cidr-overlap: a pod CIDR overlapping a host subnet")
    func overlapWithHostSubnet() throws {
        var snapshot = try F.calico()
        snapshot.addresses.append(
            Address(interfaceIndex: snapshot.index(of: "eth0"), prefix: IPPrefix("192.168.10.5/24")!, flags: []))
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .podCIDROverlap, severity: .critical, objects: ["192.168.0.0/16"])
        #expect(report.findings(.podCIDROverlap).first?.evidence == ["inet 192.168.10.5/24 scope global eth0"])
    }

    @Test("pod-cidr-overlap without configured pools: Calico's observed blocks against the host subnets")
    func overlapWithObservedBlocks() throws {
        var snapshot = try F.calico()
        snapshot.addresses.append(
            Address(interfaceIndex: snapshot.index(of: "eth0"), prefix: IPPrefix("192.168.231.200/24")!, flags: []))
        let report = F.analyze(snapshot, Expectations())
        expectFindings(report, .podCIDROverlap, severity: .critical, objects: ["192.168.231.0/24"])
        #expect(
            report.findings(.podCIDROverlap).first?.summary
                == "Calico 1 block (192.168.231.0/26) overlaps 192.168.231.0/24 on eth0")
        expectNoFinding(F.analyze(try F.calico(), Expectations()), .podCIDROverlap)
    }

    @Test("pod-cidr-overlap: the pod network's own devices (vxlan.calico's /32, cali veths, lo) do not count")
    func ownDevicesDoNotOverlap() throws {
        var snapshot = try F.calico()
        snapshot.addresses.append(
            Address(interfaceIndex: snapshot.index(of: "vxlan.calico"), prefix: IPPrefix("192.168.231.0/26")!))
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .podCIDROverlap)
    }

    @Test("pod-cidr-overlap: a pod CIDR overlapping the service CIDR")
    func overlapWithServiceCIDR() throws {
        var expectations = F.calicoExpectations
        expectations.serviceCIDRs = [F.prefix("192.168.128.0/17")]
        expectFindings(
            F.analyze(try F.calico(), expectations), .podCIDROverlap, severity: .critical, objects: ["192.168.0.0/16"])
    }

    @Test("pod-cidr-overlap with the VPC CNI: host subnets are the pods' home, only the service CIDR counts")
    func vpcCNIOverlap() throws {
        var expectations = F.vpcCNIExpectations
        expectations.podCIDRs = [F.prefix("192.168.64.0/19")]
        expectNoFinding(F.analyze(try F.vpcCNI(), expectations), .podCIDROverlap)
        expectations.serviceCIDRs = [F.prefix("192.168.80.0/20")]
        expectFindings(
            F.analyze(try F.vpcCNI(), expectations), .podCIDROverlap, severity: .critical, objects: ["192.168.64.0/19"])
        // Without configured pod CIDRs the ENI subnets stand in for them.
        var inferred = F.vpcCNIExpectations
        inferred.serviceCIDRs = [F.prefix("192.168.80.0/20")]
        let report = F.analyze(try F.vpcCNI(), inferred)
        expectFindings(report, .podCIDROverlap, severity: .critical, objects: ["192.168.64.0/19"])
        #expect(report.inventory.podCIDRsSource == "ENI subnets")
    }

    @Test("rp-filter-strict: the VPC CNI with rp_filter 1 on the primary interface")
    func rpFilterStrict() throws {
        var snapshot = try F.vpcCNI()
        snapshot.modifyLink("eth0") { $0.ipv4?.rpFilter = 1 }
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        expectFindings(report, .rpFilterStrict, severity: .warning, objects: ["eth0"])
        #expect(
            report.findings(.rpFilterStrict).first?.evidence.prefix(2) == [
                "sysctl net.ipv4.conf.all.rp_filter = 1", "sysctl net.ipv4.conf.eth0.rp_filter = 1",
            ])
    }

    @Test("rp-filter-strict: the effective value is the larger of all and the interface's")
    func rpFilterEffectiveValue() throws {
        // all = 1, eth0 = 2 in the fixture: loose.
        expectNoFinding(F.analyze(try F.vpcCNI(), F.vpcCNIExpectations), .rpFilterStrict)
        var snapshot = try F.vpcCNI()
        snapshot.host.ipv4RPFilterAll = 2
        snapshot.modifyLink("eth0") { $0.ipv4?.rpFilter = 1 }
        expectNoFinding(F.analyze(snapshot, F.vpcCNIExpectations), .rpFilterStrict)
        snapshot.host.ipv4RPFilterAll = 1
        snapshot.modifyLink("eth0") { $0.ipv4?.rpFilter = 0 }
        expectFindings(
            F.analyze(snapshot, F.vpcCNIExpectations), .rpFilterStrict, severity: .warning, objects: ["eth0"])
    }

    /// The fixture with its pods' `from POD lookup 2` rules bound to the VPC CIDR, as older VPC CNI
    /// versions wrote them (`from POD to 192.168.0.0/16 lookup 2`).
    static func cidrBoundPodRules(_ snapshot: NodeSnapshot) -> NodeSnapshot {
        var snapshot = snapshot
        for position in snapshot.rules.indices where snapshot.rules[position].priority == 1536 {
            snapshot.rules[position].to = F.prefix("192.168.0.0/16")
        }
        return snapshot
    }

    @Test("rp-filter-strict: a strict secondary ENI whose pods' rules cover every sender is quiet (the way back is that ENI)")
    func rpFilterSecondaryENIWithCompleteRules() throws {
        var snapshot = try F.vpcCNI()
        snapshot.host.ipv4RPFilterAll = 1
        snapshot.modifyLink("eth1") { $0.ipv4?.rpFilter = 1 }
        expectNoFinding(F.analyze(snapshot, F.vpcCNIExpectations), .rpFilterStrict)
    }

    @Test("rp-filter-strict: a strict secondary ENI whose pods' rules are bound to a CIDR is named, with the rules")
    func rpFilterSecondaryENI() throws {
        var snapshot = Self.cidrBoundPodRules(try F.vpcCNI())
        snapshot.host.ipv4RPFilterAll = 0
        snapshot.modifyLink("eth1") { $0.ipv4?.rpFilter = 1 }
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        expectFindings(report, .rpFilterStrict, severity: .warning, objects: ["eth1"])
        let finding = try #require(report.findings(.rpFilterStrict).first)
        #expect(finding.remediation.hasPrefix("sysctl -w net.ipv4.conf.eth1.rp_filter=2"))
        #expect(finding.summary.contains("from sources outside 192.168.0.0/16 to 2 pods"), "\(finding.summary)")
        #expect(finding.summary.contains("net.ipv4.conf.eth1.rp_filter = 1"))
        #expect(finding.evidence.contains("1536: from 192.168.77.201 to 192.168.0.0/16 lookup 2"), "\(finding.evidence)")
    }

    @Test("rp-filter-strict: with all and the device strict, the first command fixes the device (all=0 would not)")
    func rpFilterBothStrict() throws {
        var snapshot = Self.cidrBoundPodRules(try F.vpcCNI())
        snapshot.host.ipv4RPFilterAll = 1
        snapshot.modifyLink("eth1") { $0.ipv4?.rpFilter = 1 }
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        expectFindings(report, .rpFilterStrict, severity: .warning, objects: ["eth1"])
        let finding = try #require(report.findings(.rpFilterStrict).first)
        let first = try #require(finding.remediation.split(separator: " — ").first)
        #expect(first == "sysctl -w net.ipv4.conf.eth1.rp_filter=2")
        // Applying the first command: effective max(1, 2) = 2, loose.
        snapshot.modifyLink("eth1") { $0.ipv4?.rpFilter = 2 }
        expectNoFinding(F.analyze(snapshot, F.vpcCNIExpectations), .rpFilterStrict)
        #expect(finding.remediation.contains("net.ipv4.conf.all.rp_filter=0"))
    }

    @Test("rp-filter-strict applies to the VPC CNI only")
    func rpFilterOtherCNIs() throws {
        var snapshot = try F.calico()
        snapshot.host.ipv4RPFilterAll = 1
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .rpFilterStrict)
    }
}
