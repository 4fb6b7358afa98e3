import PodnetAnalysis
import PodnetModel
import Testing

/// `PathExplainer` on the fixture snapshots: each kind of destination, and each broken link named
/// with the report's own finding.
@Suite struct ExplainTests {
    static func explain(
        _ snapshot: NodeSnapshot, _ expectations: Expectations, _ destination: String, from: String? = nil,
        iif: String? = nil, mark: String? = nil
    ) throws -> PathExplanation {
        let explainer = PathExplainer(snapshot: snapshot, expectations: expectations)
        return try explainer.explain(
            ExplainQuery.parse(destination: destination, source: from, inputInterface: iif, mark: mark))
    }

    static func calico(_ destination: String, change: (inout NodeSnapshot) -> Void = { _ in }, from: String? = nil, iif: String? = nil) throws -> PathExplanation {
        var snapshot = try AnalysisFixtures.calico()
        change(&snapshot)
        return try explain(snapshot, AnalysisFixtures.calicoExpectations, destination, from: from, iif: iif)
    }

    @Test func remotePodPathIsComplete() throws {
        let explanation = try Self.calico("192.168.35.7")
        #expect(explanation.verdict == .complete)
        #expect(explanation.destinationKind == "pod on another node")
        #expect(explanation.firstHop.route == "192.168.35.0/26 via 192.168.35.0 dev vxlan.calico proto 80 onlink")
        #expect(explanation.firstHop.hops == [HopChoice(gateway: "192.168.35.0", device: "vxlan.calico", source: "192.168.231.0")])
        #expect(explanation.steps.map(\.step) == ["route", "next-hop", "device", "neighbour", "fdb", "underlay"])
        let tunnel = try #require(explanation.tunnel)
        #expect(tunnel.neighbourMAC == "66:5e:2b:11:9a:01" && tunnel.neighbourState == "PERMANENT")
        #expect(tunnel.remote == "10.90.1.182")
        // 10.90.1.182 is off the node's subnet: the underlay goes via the default gateway, from the VTEP address.
        #expect(tunnel.underlay?.hops == [HopChoice(gateway: "10.10.2.1", device: "eth0", source: "10.10.2.193")])
        #expect(tunnel.underlayMTU == 9001)
    }

    @Test func missingFDBEntryBreaksAtTheFDBWithTheReportsFinding() throws {
        var snapshot = try AnalysisFixtures.calico()
        snapshot.fdb.removeAll { $0.mac == HardwareAddress("66:5e:2b:11:9a:01") }
        let expectations = AnalysisFixtures.calicoExpectations
        let explanation = try Self.explain(snapshot, expectations, "192.168.35.7")
        #expect(explanation.verdict == .broken)
        let broken = try #require(explanation.brokenStep)
        #expect(explanation.steps[broken].step == "fdb")
        let report = AnalysisFixtures.analyze(snapshot, expectations)
        let reported = try #require(report.findings(.vxlanRouteUnresolved).first)
        // The same finding, word for word, as `podnetd check` gives.
        #expect(explanation.finding == reported)
        #expect(explanation.finding?.object == "192.168.35.0/26")
        // The other remote block is unaffected.
        #expect(try Self.explain(snapshot, expectations, "192.168.94.70").verdict == .complete)
    }

    @Test func fdbEntryWithSeveralRemotesNamesEveryOne() throws {
        // The kernel replicates a frame to every remote of its FDB entry (here the all-zeros entry,
        // used when the MAC has none): each is named, not only the first.
        let explanation = try Self.calico("192.168.35.7") { snapshot in
            let vxlan = snapshot.fdb.first { $0.mac == HardwareAddress("66:5e:2b:11:9a:01") }!.interfaceIndex
            snapshot.fdb.removeAll { $0.mac == HardwareAddress("66:5e:2b:11:9a:01") }
            for remote in ["10.90.1.182", "10.90.1.183"] {
                snapshot.fdb.append(FDBEntry(mac: HardwareAddress(bytes: [0, 0, 0, 0, 0, 0]), interfaceIndex: vxlan, destination: IPAddress(remote)))
            }
        }
        let fdb = try #require(explanation.steps.first { $0.step == "fdb" })
        #expect(fdb.summary.contains("remote nodes 10.90.1.182, 10.90.1.183 (a copy to each"), "\(fdb.summary)")
        #expect(fdb.summary.contains("the all-zeros entry's remotes get it"), "\(fdb.summary)")
    }

    @Test func missingNeighbourBreaksAtTheNeighbour() throws {
        let explanation = try Self.calico("192.168.35.7") { $0.neighbours.removeAll { $0.address == IPAddress("192.168.35.0") } }
        #expect(explanation.steps[try #require(explanation.brokenStep)].step == "neighbour")
        #expect(explanation.finding?.check == .vxlanRouteUnresolved)
        #expect(explanation.tunnel?.neighbourMAC == nil)
    }

    @Test func lostRemoteRouteFallsToTheDefaultRouteAndIsBroken() throws {
        let explanation = try Self.calico("192.168.35.7") { $0.removeRoutes(to: "192.168.35.0/26") }
        // The kernel still has a route (the default one): the path is broken all the same.
        #expect(explanation.firstHop.error == nil)
        #expect(explanation.firstHop.routeDestination == "0.0.0.0/0")
        #expect(explanation.steps[try #require(explanation.brokenStep)].step == "route")
        #expect(explanation.finding?.check == .vxlanRouteMissing)
        #expect(explanation.finding?.object == "192.168.35.0/26")
    }

    @Test func localPodAndItsVeth() throws {
        let healthy = try Self.calico("192.168.231.4")
        #expect(healthy.verdict == .complete)
        #expect(healthy.destinationKind == "pod on this node")
        #expect(healthy.steps.last?.step == "veth")

        let down = try Self.calico("192.168.231.4") { $0.modifyLink("cali3a1b2c4d5e6") { $0.flags.remove(.lowerUp) } }
        #expect(down.verdict == .broken)
        #expect(down.steps[try #require(down.brokenStep)].step == "veth")
        #expect(down.finding?.check == .workloadInterfaceDown)
        #expect(down.finding?.object == "cali3a1b2c4d5e6")
    }

    @Test func unusedAddressOfTheLocalBlockHitsItsBlackhole() throws {
        let explanation = try Self.calico("192.168.231.40")
        #expect(explanation.firstHop.type == "blackhole")
        #expect(explanation.firstHop.error == "EINVAL")
        #expect(explanation.verdict == .broken)
        #expect(explanation.destinationKind == "pod address in this node's block")
    }

    @Test func serviceAddressSaysWhoTranslatesItAndWhereItWouldGo() throws {
        let explanation = try Self.calico("172.16.0.10")
        #expect(explanation.destinationKind == "service address")
        #expect(explanation.steps.first?.step == "service")
        #expect(explanation.steps.first?.summary.contains("kube-proxy") == true)
        #expect(explanation.firstHop.routeDestination == "0.0.0.0/0")
        #expect(explanation.verdict == .complete)
    }

    @Test func nodeAddressIsDeliveredLocally() throws {
        let explanation = try Self.calico("10.10.2.193")
        #expect(explanation.destinationKind == "address of this node")
        #expect(explanation.firstHop.type == "local")
        #expect(explanation.firstHop.hops.first?.device == "lo")
        #expect(explanation.firstHop.table == 255)
    }

    @Test func forwardedPodPacketPassesTheReversePathCheck() throws {
        let explanation = try Self.calico("192.168.94.70", from: "192.168.231.4", iif: "cali3a1b2c4d5e6")
        #expect(explanation.verdict == .complete)
        #expect(explanation.firstHop.hops.first?.source == nil)
        // A packet claiming to come from one of this node's own addresses is a martian.
        let spoofed = try Self.calico("192.168.94.70", from: "10.10.2.193", iif: "cali3a1b2c4d5e6")
        #expect(spoofed.firstHop.error == "EINVAL")
        #expect(spoofed.firstHop.type == "martian")
    }

    @Test func vpcCNIRulesDecideByMarkAndSource() throws {
        let snapshot = try AnalysisFixtures.vpcCNI()
        let expectations = AnalysisFixtures.vpcCNIExpectations
        // Unmarked: `not fwmark 0x80/0x80 lookup main` matches first and main's default route is used.
        let unmarked = try Self.explain(snapshot, expectations, "8.8.8.8", from: "192.168.81.45", iif: "eni7f8e9d0c1b2")
        #expect(unmarked.firstHop.rule == "1024: not from all fwmark 0x80/0x80 lookup main")
        #expect(unmarked.firstHop.hops.first?.device == "eth0")
        // Marked 0x80: rule 1024 no longer matches; the pod's `from` rule sends it to table 2 and eth1.
        let marked = try Self.explain(snapshot, expectations, "8.8.8.8", from: "192.168.81.45", iif: "eni7f8e9d0c1b2", mark: "0x80")
        #expect(marked.firstHop.rule == "1536: from 192.168.81.45 lookup 2")
        #expect(marked.firstHop.table == 2)
        #expect(marked.firstHop.hops == [HopChoice(gateway: "192.168.64.1", device: "eth1", source: nil)])
        let evaluated = marked.rules.map(\.matched)
        #expect(evaluated.prefix(5) == [true, false, false, false, false])
        // The pod's table without its default route: the `from` rule falls through to main, and the
        // report's eni-table-missing finding names the broken link.
        var broken = snapshot
        broken.routes.removeAll { $0.table == RouteTable(2) && $0.destination.isDefault }
        let fallthrough_ = try Self.explain(broken, expectations, "8.8.8.8", from: "192.168.81.45", iif: "eni7f8e9d0c1b2", mark: "0x80")
        #expect(fallthrough_.verdict == .broken)
        #expect(fallthrough_.finding?.check == .eniTableMissing)
    }

    @Test func badInputIsOneLineNamingTheField() throws {
        #expect(throws: ExplainInputError.self) { try ExplainQuery.parse(destination: "192.168.35.300") }
        #expect(throws: ExplainInputError.self) { try ExplainQuery.parse(destination: "10.0.0.1", source: "fd00::1") }
        #expect(throws: ExplainInputError.self) { try ExplainQuery.parse(destination: "10.0.0.1", mark: "0xZZ") }
        #expect(throws: ExplainInputError.self) { try ExplainQuery.parse(destination: nil) }
        do {
            _ = try ExplainQuery.parse(destination: "10.0.0.1", mark: "banana")
        } catch {
            #expect(error.description.hasPrefix("mark: "))
            #expect(!error.description.contains("\n"))
        }
        let explainer = PathExplainer(snapshot: try AnalysisFixtures.calico(), expectations: AnalysisFixtures.calicoExpectations)
        #expect(throws: ExplainInputError.self) { try explainer.explain(ExplainQuery(destination: IPAddress("224.0.0.5")!)) }
        #expect(throws: ExplainInputError.self) {
            try explainer.explain(ExplainQuery(destination: IPAddress("10.0.0.1")!, inputInterface: "nosuch0"))
        }
    }

    @Test func textNamesTheFirstBrokenLinkWithTheFinding() throws {
        let explanation = try Self.calico("192.168.35.7") { $0.fdb.removeAll { $0.mac == HardwareAddress("66:5e:2b:11:9a:01") } }
        let text = ExplainTextRenderer.render(explanation, color: false)
        #expect(text.hasPrefix("✗ 192.168.35.7: broken at fdb: vxlan-route-unresolved (pod on another node)"))
        #expect(text.contains("vxlan-route-unresolved  192.168.35.0/26"))
        #expect(text.contains("fix: Inspect: ip neigh show dev vxlan.calico"))
    }
}
