import PodnetAnalysis
import PodnetModel
import Testing

@Suite("AWS VPC CNI checks against ipamd's record")
struct IpamdCheckTests {
    typealias F = AnalysisFixtures

    /// ipamd's view of the healthy VPC CNI fixture: three pods, one on the primary ENI, two on eth1 (table 2).
    static var ipamd: IpamdView {
        IpamdView(
            source: "/var/run/aws-node/ipam.json",
            allocations: ["192.168.70.12", "192.168.81.45", "192.168.77.201"].map {
                IpamdAllocation(address: F.address($0), containerID: "c-" + $0, pod: "default/pod-" + $0)
            },
            enis: [
                IpamdENI(
                    id: "eni-0aaa", isPrimary: true, deviceNumber: 0, routeTable: 254,
                    addresses: [IpamdAddress(address: F.address("192.168.70.12"), assigned: true),
                                IpamdAddress(address: F.address("192.168.70.13"), assigned: false)]),
                IpamdENI(
                    id: "eni-0bbb", isPrimary: false, deviceNumber: 1, routeTable: 2,
                    addresses: [IpamdAddress(address: F.address("192.168.81.45"), assigned: true),
                                IpamdAddress(address: F.address("192.168.77.201"), assigned: true),
                                IpamdAddress(address: F.address("192.168.77.202"), assigned: false, coolingDown: true)]),
            ])
    }

    func analyze(_ snapshot: NodeSnapshot, _ ipamd: IpamdView) -> Report {
        Analyzer.analyze(
            snapshot: snapshot, expectations: F.vpcCNIExpectations, cluster: ClusterInput(ipamd: ipamd), checkedAt: F.checkedAt)
    }

    @Test("the healthy node matches ipamd's record")
    func healthy() throws {
        let report = analyze(try F.vpcCNI(), Self.ipamd)
        #expect(report.findings.isEmpty, "\(report.findings.map(\.summary))")
        #expect(report.capacity.notes.contains("ipamd pool: 3 assigned, 1 free (warm), 1 cooling down, of 5"))
        #expect(report.cluster?.expectationSources.contains(ExpectationSource(expectation: "podIPs", source: "ipamd (/var/run/aws-node/ipam.json)")) == true)
    }

    @Test("a rule left behind for a released IP is a leak")
    func leakedRuleForReleasedIP() throws {
        var ipamd = Self.ipamd
        ipamd.allocations.removeAll { $0.address == F.address("192.168.77.201") }
        ipamd.enis[1].addresses[1].assigned = false
        var snapshot = try F.vpcCNI()
        snapshot.routes.removeAll { $0.destination == IPPrefix("192.168.77.201/32") }
        snapshot.links.removeAll { $0.name == "eni0a1b2c3d4e5" }
        let report = analyze(snapshot, ipamd)
        expectFindings(report, .eniIPLeaked, severity: .warning, objects: ["192.168.77.201"])
        let evidence = try #require(report.findings(.eniIPLeaked).first?.evidence)
        #expect(evidence.contains { $0.hasPrefix("512:") } && evidence.contains { $0.hasPrefix("1536:") })
        #expect(problemChecks(report) == ["eni-ip-leaked"])
    }

    @Test("an allocated pod IP without its from rule on a secondary ENI")
    func podIPWithoutFromRule() throws {
        var snapshot = try F.vpcCNI()
        snapshot.rules.removeAll { $0.from == IPPrefix("192.168.81.45/32") }
        let report = analyze(snapshot, Self.ipamd)
        expectFindings(report, .eniFromRuleMissing, severity: .critical, objects: ["192.168.81.45"])
        #expect(problemChecks(report) == ["eni-from-rule-missing"])
    }

    @Test("an allocated pod IP with no route at all")
    func allocatedWithoutRoute() throws {
        var ipamd = Self.ipamd
        ipamd.allocations.append(IpamdAllocation(address: F.address("192.168.70.13"), pod: "default/new"))
        let report = analyze(try F.vpcCNI(), ipamd)
        expectFindings(report, .eniPodRouteMissing, severity: .critical, objects: ["192.168.70.13"])
    }

    @Test("no free IP below maxPods explains failed IP assignment")
    func noFreeIP() throws {
        var ipamd = Self.ipamd
        ipamd.enis[0].addresses[1].coolingDown = true
        let report = analyze(try F.vpcCNI(), ipamd)
        expectFindings(report, .ipamdNoFreeIP, severity: .warning, objects: ["ipamd"])
        #expect(report.findings(.ipamdNoFreeIP).first?.summary.contains("3 assigned, 0 free (warm), 2 cooling down, of 5") == true)
    }

    @Test("an excluded ENI's unused addresses are not warm: no free IP is still reported")
    func excludedENIIsNotWarm() throws {
        var ipamd = Self.ipamd
        ipamd.enis[0].addresses[1].coolingDown = true
        ipamd.enis.append(
            IpamdENI(
                id: "eni-0excluded", isPrimary: false, deviceNumber: 3, routeTable: 4,
                addresses: [IpamdAddress(address: F.address("192.168.90.1"), assigned: false)], excludedFromPodIPs: true))
        let report = analyze(try F.vpcCNI(), ipamd)
        expectFindings(report, .ipamdNoFreeIP, severity: .warning, objects: ["ipamd"])
        ipamd.enis[ipamd.enis.count - 1].excludedFromPodIPs = nil
        #expect(analyze(try F.vpcCNI(), ipamd).findings(.ipamdNoFreeIP).isEmpty)
    }
}
