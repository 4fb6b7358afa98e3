import PodnetModel

/// Calico VXLAN checks that need the cluster's view: every other node's VTEP exactly as the Node
/// object says, no block route nobody owns, this node's own blocks blackholed.
extension Analysis {
    /// Runs the cluster-derived Calico checks; nothing without a usable view.
    func checkCalicoAgainstCluster() {
        guard let clusterIndex else { return }
        let view = clusterIndex.view
        if clusterIndex.localNodePosition == nil {
            add(
                Finding(
                    check: .clusterNodeUnknown, object: view.nodeName,
                    summary: "the cluster has no Node named \(view.nodeName) (\(view.nodeNameSource)): this node's own "
                        + "blocks and tunnel address were not checked",
                    detail: "podnetd compares this node with its Node object: its block affinities, VXLAN tunnel "
                        + "address and MAC, its Calico IPv4 address and pod capacity. The cluster's \(view.nodes.count) "
                        + "Nodes include none named \(view.nodeName), so either podnetd took the wrong name or the "
                        + "node is not (or no longer) registered. Other nodes' blocks and VTEPs were still checked.",
                    evidence: [],
                    remediation: "Compare kubectl get nodes -o name with the name podnetd used; set nodeName in "
                        + "podnetd's config, or NODE_NAME through the downward API (spec.nodeName) in its DaemonSet."))
        }
        for family in clusterVTEPFamilies(view) { checkVTEPsAgainstCluster(clusterIndex, family: family) }
        checkLeakedBlockRoutes(clusterIndex)
        checkOwnBlocksBlackholed(clusterIndex)
        checkDirectBlockRoutesAgainstCluster(clusterIndex)
        checkPoolNodeSelectors(view)
    }

    /// Whether a cluster-derived tunnel IP is this machine's own while the cluster knows no Node of
    /// podnetd's node name (a hostname that is not the Node's name, a typo in `nodeName`): that Node
    /// is this node under its real name, so its blocks and VTEP are not another node's to route to.
    /// Only then is the address looked up: with the Node known, the index already leaves it out.
    func isOwnTunnelUnderAnotherName(_ tunnelIP: IPAddress) -> Bool {
        clusterNodeNameUnknown && index.addressesByIP[tunnelIP] != nil
    }

    /// Whether there is a usable view without a Node of podnetd's node name.
    var clusterNodeNameUnknown: Bool { clusterIndex != nil && clusterIndex?.localNodePosition == nil }

    /// What the VXLAN device of `family` must carry per the Node object: a problem per mismatch.
    func clusterDeviceProblems(link: Link, family: AddressFamily) -> [String] {
        guard let node = clusterIndex?.localNode else { return [] }
        let names = ClusterVTEPAnnotations(family)
        let address = family == .ipv6 ? node.calicoIPv6Address?.address : node.calicoIPv4Address?.address
        let tunnel = family == .ipv6 ? node.vxlanTunnelAddressV6 : node.vxlanTunnelAddress
        let tunnelMAC = family == .ipv6 ? node.vxlanTunnelMACV6 : node.vxlanTunnelMAC
        var problems: [String] = []
        if let expected = address, let local = link.vxlan?.local, local != expected {
            problems.append("local address \(local) is not the node's Calico \(names.version) address \(expected) (\(names.address))")
        }
        if let tunnel,
            !(index.addressesByIndex[link.index] ?? []).contains(where: { $0.prefix.address == tunnel })
        {
            problems.append("it does not carry the node's tunnel address \(tunnel) (\(names.tunnelAddress))")
        }
        if let mac = tunnelMAC, let own = link.mac, own != mac {
            problems.append("its MAC \(own) is not the node's \(names.shortMAC) \(mac): other nodes send to \(mac)")
        }
        return problems
    }

    /// Every other node with a tunnel address and MAC: a permanent neighbour tunnel IP → exactly its
    /// MAC, and an FDB entry for that MAC → exactly its node address.
    private func checkVTEPsAgainstCluster(_ clusterIndex: ClusterIndex, family: AddressFamily) {
        let calico = expectations.calico
        let view = clusterIndex.view
        let names = ClusterVTEPAnnotations(family)
        guard let device = index.linksByName[calico.device(for: family)] else { return }
        let fdb = index.vxlanFDB[device.index] ?? [:]
        let programmed = programmedVTEPs[device.index]
        // 5,000 nodes on a healthy node: compare first, build text (evidence) only for a problem.
        for vtep in clusterIndex.remoteVTEPs(family) {
            // The VTEP the route check found for the tunnel IP (the kernel keeps one neighbour per device
            // and address): when it has the node's MAC and address, both hold, without hashing MACs again.
            if let found = programmed?[vtep.tunnelIP], found.neighbour.mac == vtep.mac,
                found.fdb.contains(where: { vtep.underlay == nil || $0.destination == vtep.underlay })
            {
                continue
            }
            if isOwnTunnelUnderAnotherName(vtep.tunnelIP) { continue }
            let tunnelIP = vtep.tunnelIP
            let mac = vtep.mac
            let underlay = vtep.underlay
            let position = vtep.position
            let neighbour = index.vxlanNeighbours[NodeIndex.NeighbourKey(interfaceIndex: device.index, address: tunnelIP)]
            let entries = fdb[mac] ?? []
            let neighbourHolds = neighbour?.mac == mac && neighbour?.state.contains(.permanent) == true
            let fdbHolds = entries.contains { $0.destination != nil && ($0.destination == underlay || underlay == nil) }
            if neighbourHolds && fdbHolds { continue }
            let node = view.nodes[position]
            // The daemon tracks findings by (check, object): a node's IPv4 and IPv6 VTEPs need objects of their own.
            let object = family == .ipv6 ? "\(node.name) (IPv6)" : node.name
            let destinations = entries.filter { $0.destination != nil }
            var stale: [String] = []
            var missing: [String] = []
            var evidence: [String] = []
            if let neighbour {
                evidence.append(syntax.neighbour(neighbour))
                if let programmed = neighbour.mac, programmed != mac {
                    stale.append("neighbour \(tunnelIP) → \(programmed), but the node's \(names.shortMAC) is \(mac)")
                    evidence.append(contentsOf: (fdb[programmed] ?? []).map(syntax.fdb))
                } else if neighbour.mac == nil || !neighbour.state.contains(.permanent) {
                    missing.append("the neighbour entry for \(tunnelIP) is not a permanent one with MAC \(mac)")
                }
            } else {
                missing.append("no neighbour entry \(tunnelIP) → \(mac)")
            }
            evidence.append(contentsOf: destinations.map(syntax.fdb))
            if destinations.isEmpty {
                missing.append("no FDB entry \(mac) → \(underlay.map(\.description) ?? "its node address")")
            } else if let underlay, !destinations.contains(where: { $0.destination == underlay }) {
                let programmed = destinations.compactMap(\.destination).map(\.description).joined(separator: ", ")
                stale.append("FDB \(mac) → \(programmed), but the node's address is \(underlay)")
            }
            if !stale.isEmpty {
                add(
                    Finding(
                        check: .vxlanVTEPStale, object: object,
                        summary: "node \(node.name): " + (stale + missing).joined(separator: "; "),
                        detail: "Felix programs each remote node's VTEP from its Node object: tunnel IP \(tunnelIP) → "
                            + "MAC \(mac) (neighbour) and MAC → \(underlay.map(\.description) ?? "its address") (FDB). "
                            + "This node still has an older value: the remote node was re-created (new MAC) or changed "
                            + "its address, and Felix here missed the update. Packets to its pods are sent to a MAC or "
                            + "host that no longer answers: pods there are unreachable from here, silently.",
                        evidence: Self.capped(evidence),
                        remediation: "Compare: kubectl get node \(node.name) -o yaml (annotations "
                            + "\(names.mac), \(names.address)) with ip neigh show dev \(device.name) "
                            + "and bridge fdb show dev \(device.name). Restart calico-node on this node so Felix "
                            + "reprograms the VTEP — \(calicoNodeCommands)."))
            } else if !missing.isEmpty {
                add(
                    Finding(
                        check: .vxlanVTEPMissing, object: object,
                        summary: "node \(node.name): " + missing.joined(separator: "; "),
                        detail: "Felix programs one VTEP per remote node: a permanent neighbour tunnel IP \(tunnelIP) → "
                            + "MAC \(mac) and an FDB entry MAC → \(underlay.map(\.description) ?? "its address") on "
                            + "\(device.name). Without them the kernel cannot address or deliver VXLAN packets to node "
                            + "\(node.name): its pods are unreachable from here.",
                        evidence: Self.capped(evidence),
                        remediation: "Inspect: ip neigh show dev \(device.name); bridge fdb show dev \(device.name). Felix "
                            + "programs VTEPs when it learns the node: read calico-node's log here and restart it — "
                            + "\(calicoNodeCommands)."))
            }
        }
    }

    /// Block routes through the VXLAN device, and Felix blackholes, for blocks no node owns (or this
    /// node's own blocks sent through the tunnel).
    private func checkLeakedBlockRoutes(_ clusterIndex: ClusterIndex) {
        var leaks: [IPPrefix: (reason: String, routes: [Route])] = [:]
        var leaked: [(position: Int, ownedHere: Bool)] = []
        // Routes are read in place; only a leak's route is copied.
        snapshot.routes.withUnsafeBufferPointer { routes in
            for positions in index.routesViaVXLAN.values {
                for position in positions {
                    guard routes[position].table == .main, !routes[position].destination.isHost else { continue }
                    switch clusterIndex.ownedHere(routes[position].destination.network) {
                    case nil: leaked.append((position, false))
                    case true?: leaked.append((position, true))
                    case false?: continue
                    }
                }
            }
        }
        for (position, ownedHere) in leaked {
            let route = snapshot.routes[position]
            let reason = ownedHere ? "it is this node's own block" : "no node owns it (no BlockAffinity)"
            leaks[route.destination.network, default: (reason, [])].routes.append(route)
        }
        for route in index.felixBlackholes
        where route.table == .main && clusterIndex.ownedHere(route.destination.network) == nil {
            leaks[route.destination.network, default: ("no node owns it (no BlockAffinity)", [])].routes.append(route)
        }
        for (block, leak) in leaks.sorted(by: { $0.key < $1.key }) {
            add(
                Finding(
                    check: .blockRouteLeaked, object: block.description,
                    summary: "route for block \(block), but \(leak.reason)",
                    detail: "Felix routes exactly the blocks of the cluster's BlockAffinities: other nodes' blocks via "
                        + "their tunnel IPs, this node's own as blackholes. A route for \(block) that matches no "
                        + "affinity is a leftover — of a node that left, or of a block that was released — and "
                        + "sends traffic for addresses Calico may hand out again to the wrong place.",
                    evidence: Self.capped(leak.routes.map(syntax.route)),
                    remediation: "Check: calicoctl ipam show --show-blocks; kubectl get blockaffinities.crd.projectcalico.org "
                        + "| grep \(block.address). Restart calico-node on this node so Felix removes stale routes — "
                        + "\(calicoNodeCommands)."))
        }
    }

    /// Each confirmed block of this node needs Felix's `blackhole BLOCK proto 80`, except a /32 or /128
    /// block: Felix never blackholes those, or the CNI plugin could not route the workload's own address
    /// (felix/dataplane/linux/route_mgr.go `routeIsLocalBlock`).
    private func checkOwnBlocksBlackholed(_ clusterIndex: ClusterIndex) {
        let blackholes = Set(index.felixBlackholes.map(\.destination.network))
        let reported = Set(findings.filter { $0.check == .blockBlackholeMissing }.map(\.object))
        // Blocks of IPIP or unencapsulated pools are blackholed by BIRD (`proto bird`), perhaps of another
        // size than the one `felixBlackholes` counts: on a miss, any main-table blackhole of the block holds.
        var otherBlackholes: Set<IPPrefix>?
        for affinity in clusterIndex.ownBlocks {
            let block = affinity.block
            guard !block.isHost, !blackholes.contains(block), !reported.contains(block.description) else { continue }
            if otherBlackholes == nil {
                otherBlackholes = Set(
                    snapshot.routes.lazy.filter { $0.table == .main && $0.type == .blackhole }.map(\.destination.network))
            }
            if otherBlackholes?.contains(block) == true { continue }
            add(
                Finding(
                    check: .blockBlackholeMissing, object: block.description,
                    summary: "block \(block) is affine to this node (BlockAffinity \(affinity.affinity)) but has no blackhole route",
                    detail: "Felix installs `blackhole BLOCK proto 80` for each block this node owns, so that packets "
                        + "to addresses of the block no pod holds are dropped here instead of following the default "
                        + "route out of the node. The cluster says \(block) belongs here; Felix has not programmed it.",
                    evidence: [],
                    remediation: "Check calico-node on this node (its log, its readiness) and restart it — "
                        + "\(calicoNodeCommands)."))
        }
    }
}
