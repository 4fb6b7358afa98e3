import PodnetModel

/// The diagnosis: (snapshot, expectations) → report. Pure and deterministic: no I/O, no clock
/// (the caller passes `checkedAt`), the same report for the same input.
public enum Analyzer {
    /// Runs every check that applies to the node's pod network and returns the report.
    ///
    /// The snapshot is indexed once (links by index and name, routes by device and destination,
    /// neighbours and FDB entries by device); every check is a pass over an index, so the cost is
    /// linear in the size of the snapshot.
    public static func analyze(snapshot: NodeSnapshot, expectations: Expectations, checkedAt: String) -> Report {
        let analysis = Analysis(snapshot: snapshot, expectations: expectations)
        analysis.run()
        return analysis.makeReport(checkedAt: checkedAt)
    }

    /// `analyze` with the cluster's view: expectations the config leaves open come from the
    /// cluster, the cluster-derived checks run while the view is young enough, and the report says
    /// how current it was and where each expectation came from.
    public static func analyze(
        snapshot: NodeSnapshot, expectations: Expectations, cluster: ClusterInput, checkedAt: String
    ) -> Report {
        let usable = cluster.usableIndex
        var effective = expectations
        var sources: [ExpectationSource] = []
        if let usable {
            (effective, sources) = ClusterExpectations.merge(expectations, index: usable)
        }
        // The remote blocks are the index's own when the config named none: its sorted and hashed forms serve.
        let blocksFromCluster = usable != nil && expectations.calico.expectedRemoteBlocks.isEmpty
        let analysis = Analysis(
            snapshot: snapshot, expectations: effective, cluster: usable, ipamd: cluster.ipamd,
            remoteBlocksFromCluster: blocksFromCluster)
        analysis.run()
        analysis.checkClusterStatus(cluster)
        if cluster.ipamd != nil {
            sources.append(ExpectationSource(expectation: "podIPs", source: "ipamd (\(cluster.ipamd?.source ?? ""))"))
        }
        var report = analysis.makeReport(checkedAt: checkedAt)
        report.cluster = analysis.clusterReport(cluster, sources: sources)
        if let podCIDRs = sources.first(where: { $0.expectation == "podCIDRs" }), podCIDRs.source.hasPrefix("cluster") {
            report.inventory.podCIDRsSource = podCIDRs.source
        }
        if let ipamd = cluster.ipamd, !ipamd.enis.isEmpty {
            report.capacity.notes.append("ipamd pool: \(IpamdPool(ipamd))")
        }
        return report
    }

    /// The pod network `analyze` would check, and why (without running the checks).
    public static func detectCNI(snapshot: NodeSnapshot, expectations: Expectations) -> CNIReport {
        let analysis = Analysis(snapshot: snapshot, expectations: expectations)
        return CNIReport(configured: expectations.cni.description, detected: analysis.mode, reason: analysis.modeReason)
    }
}

/// One analysis in progress: the indexed snapshot, the mode, and the findings so far.
final class Analysis {
    let snapshot: NodeSnapshot
    let expectations: Expectations
    let index: NodeIndex
    let syntax: IPSyntax
    let mode: CNIMode
    let modeReason: String
    /// The configured pod CIDRs, canonical.
    let configuredPools: [IPPrefix]
    /// The pod CIDRs the checks use: configured ones, else inferred from the node (for Calico:
    /// none: the overlap check walks the observed blocks itself).
    let podCIDRs: [IPPrefix]
    let podCIDRsSource: String

    var findings: [Finding] = []
    var remoteBlockCount = 0
    var vxlanRouteCount = 0
    var vtepCount = 0
    var capacity = CapacityReport()
    /// The VTEPs the route check found programmed, by VXLAN device.
    var programmedVTEPs: [InterfaceIndex: ProgrammedVTEPs] = [:]
    /// The cluster's view, when it is young enough to check against.
    var cluster: ClusterView? { clusterIndex?.view }
    /// That view, indexed.
    let clusterIndex: ClusterIndex?
    /// Whether `expectations.calico.expectedRemoteBlocks` are `clusterIndex.remoteBlocks`.
    let remoteBlocksFromCluster: Bool
    /// ipamd's record of pod IPs (AWS VPC CNI).
    let ipamd: IpamdView?

    init(
        snapshot: NodeSnapshot, expectations: Expectations, cluster: ClusterIndex? = nil, ipamd: IpamdView? = nil,
        remoteBlocksFromCluster: Bool = false
    ) {
        self.snapshot = snapshot
        self.expectations = expectations
        self.clusterIndex = cluster
        self.ipamd = ipamd
        let fromCluster = remoteBlocksFromCluster && cluster != nil
        self.remoteBlocksFromCluster = fromCluster
        let watched: AddressSlots
        if fromCluster, let cluster, expectations.hostGW.expectedRoutes.isEmpty {
            watched = cluster.remoteBlockSlots
        } else {
            var slots = AddressSlots(
                capacity: expectations.calico.expectedRemoteBlocks.count + expectations.hostGW.expectedRoutes.count)
            for expected in expectations.calico.expectedRemoteBlocks { slots.insert(expected.block.network, slots.count) }
            for expected in expectations.hostGW.expectedRoutes { slots.insert(expected.cidr.network, slots.count) }
            watched = slots
        }
        let index = NodeIndex(
            snapshot: snapshot,
            vxlanDeviceNames: [expectations.calico.vxlanDevice, expectations.calico.vxlanDeviceV6],
            watched: watched,
            blockSize: expectations.blockSize, blockSizeV6: expectations.blockSizeV6)
        self.index = index
        self.syntax = IPSyntax(links: snapshot.links)
        (mode, modeReason) = Self.detect(index: index, expectations: expectations)
        configuredPools = Self.unique(expectations.podCIDRs.map(\.network))
        (podCIDRs, podCIDRsSource) = Self.effectivePodCIDRs(
            index: index, mode: mode, configured: configuredPools, expectations: expectations)
    }

    // MARK: - Detection

    static func detect(index: NodeIndex, expectations: Expectations) -> (CNIMode, String) {
        if case .fixed(let mode) = expectations.cni { return (mode, "configured (cni: \(mode))") }
        let calico = expectations.calico
        let devices = [calico.vxlanDevice, calico.vxlanDeviceV6].filter { index.linksByName[$0] != nil }
        if !devices.isEmpty {
            return (.calicoVXLAN, "\(devices.joined(separator: " and ")) present")
        }
        let eniVeths = index.workloadLinks.filter { index.workloadKinds[$0.index] == .eni }
        if !eniVeths.isEmpty {
            return (.awsVPCCNI, "\(eniVeths.count) eni… veth\(eniVeths.count == 1 ? "" : "s")")
        }
        if index.hasVPCCNIHostRule {
            return (.awsVPCCNI, "the VPC CNI's host rule (from all fwmark 0x80/0x80 lookup main)")
        }
        if !expectations.hostGW.expectedRoutes.isEmpty {
            return (.hostGW, "host-gw expected routes configured")
        }
        let caliVeths = index.workloadLinks.filter { index.workloadKinds[$0.index] == .calico }
        if !caliVeths.isEmpty || !index.felixBlackholes.isEmpty {
            let ipipAddress = index.linksByName["tunl0"].flatMap { index.addressesByIndex[$0.index] }?.isEmpty == false
            if ipipAddress {
                return (.unknown, "Calico in IPIP mode (tunl0 has an address): not checked")
            }
            if index.birdRouteCount > 0 {
                return (.unknown, "Calico in BGP mode (\(index.birdRouteCount) routes proto bird, no \(calico.vxlanDevice)): not checked")
            }
            var seen: [String] = []
            if !caliVeths.isEmpty { seen.append("\(caliVeths.count) cali… veth\(caliVeths.count == 1 ? "" : "s")") }
            if !index.felixBlackholes.isEmpty { seen.append("Felix blackhole routes") }
            return (.calicoVXLAN, seen.joined(separator: " and ") + ", but no \(calico.vxlanDevice)")
        }
        if !calico.expectedRemoteBlocks.isEmpty {
            return (.calicoVXLAN, "Calico expected remote blocks configured")
        }
        return (.unknown, "no vxlan.calico, no cali… or eni… veths, no expected host-gw routes")
    }

    static func effectivePodCIDRs(
        index: NodeIndex, mode: CNIMode, configured: [IPPrefix], expectations: Expectations
    ) -> ([IPPrefix], String) {
        if !configured.isEmpty { return (configured, "config") }
        switch mode {
        case .calicoVXLAN:
            // Every block this node sees (there can be tens of thousands) stands in for the pools; the
            // overlap check walks them itself, the inventory lists none.
            return ([], "not configured: the observed Calico blocks are checked")
        case .awsVPCCNI:
            var subnets: [IPPrefix] = []
            for device in index.defaultRouteDevices {
                for address in index.addressesByIndex[device] ?? []
                where address.family == .ipv4 && address.scope == .universe && !address.prefix.isHost {
                    subnets.append(address.prefix.network)
                }
            }
            return (unique(subnets), "ENI subnets")
        case .hostGW:
            return (unique(expectations.hostGW.expectedRoutes.map(\.cidr.network)), "expected host-gw routes")
        case .unknown:
            return ([], "none")
        }
    }

    static func unique(_ prefixes: [IPPrefix]) -> [IPPrefix] {
        Array(Set(prefixes)).sorted()
    }

    // MARK: - Running

    func run() {
        switch mode {
        case .calicoVXLAN:
            checkCalicoVXLAN()
            checkWorkloads()
            checkCalicoAgainstCluster()
        case .awsVPCCNI:
            checkWorkloads()
            checkVPCCNI()
            checkVPCCNIAgainstIpamd()
        case .hostGW:
            checkWorkloads()
            checkHostGW()
        case .unknown:
            if case .auto = expectations.cni {
                add(
                    Finding(
                        check: .cniNotDetected, object: "cni",
                        summary: "no pod network recognised: only the host checks ran",
                        detail: "podnetd looked for \(expectations.calico.vxlanDevice) (Calico VXLAN), eni… veths or "
                            + "the VPC CNI's policy rules (AWS VPC CNI), and expected host-gw routes in its config, "
                            + "and found none of them (\(modeReason)). IP forwarding and pod CIDR overlaps were "
                            + "checked; routes, tunnels and ENIs were not.",
                        evidence: [],
                        remediation: "If this node runs Calico VXLAN, the AWS VPC CNI or host-gw routing, name it in "
                            + "the config (cni: calico-vxlan | aws-vpc-cni | host-gw); if its CNI has not started "
                            + "yet, check the CNI's DaemonSet pod on this node."))
            }
        }
        checkHost()
        checkCapacity()
    }

    func add(_ finding: Finding) {
        findings.append(finding)
    }

    func makeReport(checkedAt: String) -> Report {
        var inventory = Inventory(
            workloads: index.workloadLinks.count, workloadRoutes: index.workloadRouteCount,
            blocks: mode == .calicoVXLAN ? Set(index.felixBlackholes.map(\.destination.network)).count : 0,
            remoteBlocks: remoteBlockCount, vxlanRoutes: vxlanRouteCount, vteps: vtepCount,
            enis: mode == .awsVPCCNI ? eniCount() : nil,
            podCIDRs: podCIDRs, podCIDRsSource: podCIDRsSource)
        inventory.links = snapshot.links.count
        inventory.addresses = snapshot.addresses.count
        inventory.routes = snapshot.routes.count
        inventory.neighbours = snapshot.neighbours.count
        inventory.fdbEntries = snapshot.fdb.count
        inventory.rules = snapshot.rules.count
        return Report(
            node: nodeName,
            cni: CNIReport(configured: expectations.cni.description, detected: mode, reason: modeReason),
            checkedAt: checkedAt, findings: findings, inventory: inventory, capacity: capacity)
    }

    // MARK: - Helpers for the checks

    /// The ENIs: host interfaces (not the pod network's, not virtual bridges or dummies) with a
    /// global IPv4 address, plus any interface a default route uses.
    func eniCount() -> Int { eniInterfaces().count }

    /// The ENIs (see `eniCount`), by interface index: with the VPC CNI, the interfaces that carry pod traffic.
    func eniInterfaces() -> [Link] {
        var devices = index.defaultRouteDevices
        for address in snapshot.addresses where address.family == .ipv4 && address.scope == .universe {
            guard let link = index.linksByIndex[address.interfaceIndex], !link.flags.contains(.loopback),
                index.workloadKinds[link.index] == nil, link.kind == "device" || link.kind == "veth"
            else { continue }
            devices.insert(link.index)
        }
        return devices.sorted().compactMap { index.linksByIndex[$0] }
    }

    /// Up to `limit` lines, then `… and N more`.
    static func capped(_ lines: [String], limit: Int = 8) -> [String] {
        guard lines.count > limit else { return lines }
        return Array(lines.prefix(limit)) + ["… and \(lines.count - limit) more"]
    }

    /// "1 route", "3 routes".
    static func plural(_ count: Int, _ noun: String, _ pluralNoun: String? = nil) -> String {
        "\(count) \(count == 1 ? noun : (pluralNoun ?? noun + "s"))"
    }

    /// The pool (configured pod CIDR) containing a prefix, if any.
    func configuredPool(containing prefix: IPPrefix) -> IPPrefix? {
        configuredPools.first { $0.contains(prefix) }
    }

    /// Whether a pod CIDR of this family is configured.
    func hasConfiguredPool(_ family: AddressFamily) -> Bool {
        configuredPools.contains { $0.family == family }
    }

    /// The node's Kubernetes name: the resolved one (what the metrics' `node` label and the alerts
    /// say), else the snapshot's hostname.
    var nodeName: String { expectations.nodeName ?? snapshot.hostname }

    /// The node's name in a command to run, `NODE` when unknown.
    var nodeNameInCommands: String { nodeName.isEmpty ? "NODE" : nodeName }

    /// How to find, read and restart calico-node on this node.
    var calicoNodeCommands: String {
        let node = nodeNameInCommands
        return "find calico-node on this node: kubectl -n calico-system get pods -l k8s-app=calico-node "
            + "--field-selector spec.nodeName=\(node) -o name (namespace kube-system with the manifest install)"
    }
}
