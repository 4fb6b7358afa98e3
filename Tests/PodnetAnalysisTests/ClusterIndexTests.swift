import PodnetModel
import Testing

@testable import PodnetAnalysis

/// `ClusterIndex` holds what the analysis derives from the cluster's view alone, built once per view.
/// Its tables must equal what the checks computed from the view directly, and analyses with one index
/// kept across snapshots must report what a freshly indexed view reports.
@Suite("The cluster's view indexed once")
struct ClusterIndexTests {
    typealias F = AnalysisFixtures
    typealias C = ClusterFixtures

    /// Views with the cases that matter: a stale MAC (node re-created), a node nothing is programmed
    /// for, a leaked block, a block that moved to a re-created node, this node's own block without
    /// its blackhole, affinities that do not count (pending, deleted, outside the VXLAN pools).
    static let scenarios: [String] = [
        "healthy", "stale MAC", "node not programmed", "leaked block", "block moved to a re-created node",
        "own block without blackhole", "affinities that do not count",
    ]

    static func view(_ scenario: String) -> ClusterView {
        var view = C.calicoView
        switch scenario {
        case "stale MAC":
            view.nodes[1].vxlanTunnelMAC = HardwareAddress("66:5e:2b:11:9a:99")
            view.nodes[1].uid = "uid-recreated"
        case "node not programmed":
            view.nodes.append(C.node("ip-10-10-3-7", ip: "10.10.3.7/24", tunnel: "192.168.12.128", mac: "66:aa:bb:cc:dd:01"))
            view.blockAffinities += [
                C.affinity("ip-10-10-3-7", "192.168.12.128/26"), C.affinity("ip-10-10-3-7", "192.168.40.0/26"),
            ]
        case "leaked block":
            view.blockAffinities.removeAll { $0.node == "ip-10-10-1-14" }
        case "block moved to a re-created node":
            // The old owner's affinity is being deleted; the re-created node (new uid, MAC, tunnel) has the block now.
            view.blockAffinities[2].deleted = true
            view.nodes[2] = C.node("ip-10-10-1-14", ip: "10.10.1.14/24", tunnel: "192.168.94.65", mac: "66:0c:7d:42:e3:77")
            view.nodes[2].uid = "uid-recreated"
            view.blockAffinities.append(C.affinity("ip-10-10-1-14", "192.168.94.64/26"))
        case "own block without blackhole":
            view.blockAffinities.append(C.affinity(C.localName, "192.168.231.64/26"))
        case "affinities that do not count":
            view.blockAffinities.append(C.affinity("ip-10-90-1-182", "192.168.36.0/26", state: "pending"))
            view.blockAffinities.append(C.affinity("ip-10-90-1-182", "10.250.0.0/26"))  // no VXLAN pool holds it
            view.pools.append(CalicoIPPool(name: "no-vxlan", cidr: F.prefix("10.250.0.0/16"), vxlanMode: "Never"))
            view.nodes.append(C.node("ip-10-10-9-9", ip: "10.10.9.9/24", tunnel: "192.168.50.0", mac: "66:aa:bb:cc:dd:09"))
            view.nodes[3].vxlanTunnelMAC = nil  // no MAC yet: no VTEP expected
        default:
            break
        }
        return view
    }

    /// The remote blocks as the merge computed them from the view on every analysis before the index.
    static func referenceRemoteBlocks(_ view: ClusterView) -> [ExpectedRemoteBlock] {
        let tunnels = Dictionary(
            view.nodes.compactMap { node in node.vxlanTunnelAddress.map { (node.name, $0) } }, uniquingKeysWith: { _, last in last })
        let vxlanPools = view.pools.filter(\.usesVXLAN)
        return view.blockAffinities.compactMap { affinity in
            let block = affinity.cidr.network
            guard affinity.isConfirmed, affinity.node != view.nodeName,
                view.pools.isEmpty || vxlanPools.contains(where: { $0.cidr.contains(block) }),
                let tunnel = tunnels[affinity.node], tunnel.family == block.family
            else { return nil }
            return ExpectedRemoteBlock(block: block, tunnelIP: tunnel, node: affinity.node)
        }
    }

    @Test("the index's tables equal what the checks computed from the view", arguments: scenarios)
    func tablesMatchTheView(scenario: String) {
        let view = Self.view(scenario)
        let index = ClusterIndex(view: view)
        let remote = Self.referenceRemoteBlocks(view)
        #expect(index.remoteBlocks == remote)
        #expect(index.remoteBlockOwners == Set(remote.compactMap(\.node)).count)
        let sorted = remote.filter { $0.block.family == .ipv4 }.sorted { ($0.block, $0.tunnelIP) < ($1.block, $1.tunnelIP) }
        var seen: Set<IPPrefix> = []
        #expect(index.sortedPositions(.ipv4).map { index.remoteBlocks[Int($0)] } == sorted.filter { seen.insert($0.block).inserted })
        #expect(index.sortedPositions(.ipv6).isEmpty)
        for expected in remote { #expect(index.remoteBlockSlots[expected.block] != nil) }

        // Owners: the last affinity not being deleted decides; a block without one has no owner.
        var owners: [IPPrefix: String] = [:]
        for affinity in view.blockAffinities where !affinity.deleted { owners[affinity.cidr.network] = affinity.node }
        for affinity in view.blockAffinities {
            #expect(index.ownedHere(affinity.cidr) == owners[affinity.cidr].map { $0 == view.nodeName }, "\(affinity.name)")
        }
        #expect(index.ownedHere(F.prefix("192.168.200.0/26")) == nil)
        #expect(
            index.ownBlocks.map(\.block)
                == view.blockAffinities.filter { $0.node == view.nodeName && $0.isConfirmed }.map(\.cidr))

        // VTEPs: every other node with an IPv4 tunnel address and a MAC, in Node order.
        let vteps = view.nodes.indices.filter { position in
            let node = view.nodes[position]
            return node.name != view.nodeName && node.vxlanTunnelAddress?.family == .ipv4 && node.vxlanTunnelMAC != nil
        }
        #expect(index.remoteVTEPs.map(\.position) == vteps)
        #expect(index.remoteVTEPs.map(\.underlay) == vteps.map { view.nodes[$0].vxlanUnderlayAddress })
        #expect(index.localNode == view.localNode)
    }

    /// The healthy fixture broken the ways the checks look for.
    static func snapshots() throws -> [String: NodeSnapshot] {
        let healthy = try F.calico()
        var noNeighbour = healthy
        noNeighbour.neighbours.removeAll { $0.address == IPAddress("192.168.35.0") }
        var noFDB = healthy
        noFDB.fdb.removeAll { $0.destination == IPAddress("10.90.1.182") }
        var noRoute = healthy
        noRoute.routes.removeAll { $0.destination == F.prefix("192.168.94.64/26") }
        var leak = healthy
        let vxlan = try #require(healthy.links.first { $0.name == "vxlan.calico" }?.index)
        leak.routes.append(
            Route(
                protocol_: .felix, destination: F.prefix("192.168.200.0/26"),
                nextHops: [NextHop(gateway: IPAddress("192.168.35.0"), interfaceIndex: vxlan, flags: .onlink)]))
        return ["healthy": healthy, "no neighbour": noNeighbour, "no FDB": noFDB, "no route": noRoute, "leak": leak]
    }

    @Test("one index kept across snapshots reports what a freshly indexed view reports", arguments: scenarios)
    func keptIndexMatchesFreshIndex(scenario: String) throws {
        let view = Self.view(scenario)
        let kept = ClusterInput(indexedView: ClusterIndex(view: view))
        for (name, snapshot) in try Self.snapshots().sorted(by: { $0.key < $1.key }) {
            let withKept = C.analyze(snapshot, C.calicoExpectations, kept)
            let fresh = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
            #expect(withKept.findings == fresh.findings, "\(scenario), \(name)")
            #expect(withKept.cluster == fresh.cluster)
        }
    }

    @Test("the remote blocks from the index are checked as the same blocks given in the config", arguments: scenarios)
    func indexedBlocksMatchConfiguredBlocks(scenario: String) throws {
        let view = Self.view(scenario)
        var configured = C.calicoExpectations
        configured.calico.expectedRemoteBlocks = Self.referenceRemoteBlocks(view)
        let routeChecks: Set<CheckID> = [.vxlanRouteMissing, .vxlanRouteWrongNextHop, .vxlanRouteUnresolved]
        // Only the remediation may differ: a hand-written list is told to follow a moved block.
        let listAdvice = " If the block moved, update calico.expectedRemoteBlocks."
        for (name, snapshot) in try Self.snapshots().sorted(by: { $0.key < $1.key }) {
            let fromCluster = C.analyze(snapshot, C.calicoExpectations, ClusterInput(view: view))
            let fromConfig = C.analyze(snapshot, configured, ClusterInput(view: view))
            let configFindings = fromConfig.findings.filter { routeChecks.contains($0.check) }.map { finding in
                var finding = finding
                if finding.remediation.hasSuffix(listAdvice) { finding.remediation.removeLast(listAdvice.count) }
                return finding
            }
            #expect(
                fromCluster.findings.filter { routeChecks.contains($0.check) } == configFindings, "\(scenario), \(name)")
        }
    }

    @Test("the slot table tells addresses, host prefixes of the other family and prefix lengths apart")
    func slotTableKeys() {
        var slots = AddressSlots(capacity: 4)
        slots.insert(F.prefix("10.0.0.0/26"), 0)
        slots.insert(F.prefix("10.0.0.0/24"), 1)
        slots.insert(F.prefix("::a00:0/122"), 2)
        slots.insert(F.prefix("10.0.0.0/26"), 9)  // the first value wins
        #expect(slots[F.prefix("10.0.0.0/26")] == 0)
        #expect(slots[F.prefix("10.0.0.0/24")] == 1)
        #expect(slots[F.prefix("::a00:0/122")] == 2)
        #expect(slots[F.prefix("10.0.0.0/25")] == nil)
        #expect(slots[F.prefix("10.0.0.64/26")] == nil)
        #expect(slots.count == 3)
    }
}
