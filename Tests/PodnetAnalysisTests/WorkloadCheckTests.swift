import PodnetAnalysis
import PodnetModel
import Testing

@Suite("Workload checks")
struct WorkloadCheckTests {
    typealias F = AnalysisFixtures

    @Test("workload-route-missing: a cali veth that is up with no /32 route")
    func calicoRouteMissing() throws {
        var snapshot = try F.calico()
        snapshot.removeRoutes(to: "192.168.231.4/32")
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .workloadRouteMissing, severity: .critical, objects: ["cali3a1b2c4d5e6"])
        #expect(problemChecks(report) == ["workload-route-missing"])
    }

    @Test("workload-route-missing: an eni veth with the VPC CNI")
    func eniRouteMissing() throws {
        var snapshot = try F.vpcCNI()
        snapshot.removeRoutes(to: "192.168.70.12/32")
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        expectFindings(report, .workloadRouteMissing, severity: .critical, objects: ["eni1a2b3c4d5e6"])
    }

    @Test("workload-interface-down: a cali veth set administratively down, its /32 route flushed, is critical")
    func administrativelyDownVethWithoutRoute() throws {
        var snapshot = try F.calico()
        expectNoFinding(F.analyze(snapshot, F.calicoExpectations), .workloadInterfaceDown)
        snapshot.setAdministrativelyDown("cali3a1b2c4d5e6", routeTo: "192.168.231.4/32")
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .workloadInterfaceDown, severity: .critical, objects: ["cali3a1b2c4d5e6"])
        // Down, it is not also reported as an up veth without its route.
        expectNoFinding(report, .workloadRouteMissing)
        #expect(problemChecks(report) == ["workload-interface-down"])
        let finding = try #require(report.findings(.workloadInterfaceDown).first)
        #expect(finding.summary.contains("administratively down"))
        #expect(finding.remediation.contains("ip link set cali3a1b2c4d5e6 up"))
    }

    @Test("workload-interface-down: an eni veth set down says the VPC CNI does not restore the route")
    func administrativelyDownENIVeth() throws {
        var snapshot = try F.vpcCNI()
        snapshot.setAdministrativelyDown("eni1a2b3c4d5e6", routeTo: "192.168.70.12/32")
        let report = F.analyze(snapshot, F.vpcCNIExpectations)
        expectFindings(report, .workloadInterfaceDown, severity: .critical, objects: ["eni1a2b3c4d5e6"])
        let finding = try #require(report.findings(.workloadInterfaceDown).first)
        #expect(finding.remediation.contains("recreate the pod"))
    }

    @Test("workload-interface-down: a /32 route to a veth without carrier")
    func interfaceDown() throws {
        var snapshot = try F.calico()
        snapshot.modifyLink("cali3a1b2c4d5e6") {
            $0.flags.remove(.lowerUp)
            $0.operState = .lowerLayerDown
        }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .workloadInterfaceDown, severity: .warning, objects: ["cali3a1b2c4d5e6"])
        #expect(problemChecks(report) == ["workload-interface-down"])
    }

    @Test("workload-ip-outside-pool: a pod IP outside the configured pod CIDRs")
    func ipOutsidePool() throws {
        var snapshot = try F.calico()
        let cali = snapshot.index(of: "calif00ba4c1d22")
        snapshot.modifyRoutes(to: "192.168.231.5/32") {
            $0 = Route(scope: .link, destination: IPPrefix("10.1.2.3/32")!, nextHops: [NextHop(interfaceIndex: cali)])
        }
        let report = F.analyze(snapshot, F.calicoExpectations)
        expectFindings(report, .workloadIPOutsidePool, severity: .warning, objects: ["10.1.2.3"])
        // Outside the pools, it is not also reported as a block without blackhole.
        expectNoFinding(report, .blockBlackholeMissing)
        #expect(problemChecks(report) == ["workload-ip-outside-pool"])
    }

    @Test("workload-ip-outside-pool needs configured pools; the VPC CNI's pod IPs are fine without")
    func noPoolsNoFinding() throws {
        expectNoFinding(F.analyze(try F.vpcCNI(), F.vpcCNIExpectations), .workloadIPOutsidePool)
        var expectations = F.vpcCNIExpectations
        expectations.podCIDRs = [F.prefix("192.168.64.0/19")]
        expectNoFinding(F.analyze(try F.vpcCNI(), expectations), .workloadIPOutsidePool)
        expectations.podCIDRs = [F.prefix("192.168.64.0/20")]
        expectFindings(
            F.analyze(try F.vpcCNI(), expectations), .workloadIPOutsidePool, severity: .warning,
            objects: ["192.168.81.45"])
    }
}

extension NodeSnapshot {
    /// What `ip link set NAME down` leaves: the link down, and its route deleted by the kernel with it.
    mutating func setAdministrativelyDown(_ name: String, routeTo destination: String) {
        removeRoutes(to: destination)
        setLinkDown(name)
    }
}
