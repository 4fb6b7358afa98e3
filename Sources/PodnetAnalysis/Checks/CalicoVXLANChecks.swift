import PodnetModel

extension Analysis {
    /// The Calico VXLAN checks: devices, remote routes and VTEPs, local blocks, pools, MTUs.
    func checkCalicoVXLAN() {
        for family in calicoFamilies() {
            checkVXLANDevice(family: family)
        }
        checkLocalBlocks()
        checkBlocksInPools()
        checkWorkloadMTUs()
        for family in calicoFamilies() {
            if let link = index.linksByName[expectations.calico.device(for: family)] { checkVXLANBinding(link: link) }
        }
        checkVXLANMode()
        checkVXLANChecksumOffload()
    }

    /// The families Calico runs here: those with a device, a configured pool, or Calico routes;
    /// IPv4 when nothing says otherwise.
    func calicoFamilies() -> [AddressFamily] {
        let calico = expectations.calico
        func seen(_ family: AddressFamily) -> Bool {
            if index.linksByName[calico.device(for: family)] != nil { return true }
            if hasConfiguredPool(family) && clusterPoolsUseVXLAN(family) { return true }
            if index.felixBlackholes.contains(where: { $0.family == family }) { return true }
            for link in index.workloadLinks where index.workloadKinds[link.index] == .calico {
                if index.workloadRoutes[link.index]?.contains(where: { $0.family == family }) == true { return true }
            }
            return false
        }
        var families: [AddressFamily] = []
        let v6 = seen(.ipv6)
        if seen(.ipv4) || (!v6 && configuredPools.isEmpty) { families.append(.ipv4) }
        if v6 { families.append(.ipv6) }
        return families
    }

    /// The tunnel device for a family: presence, state, settings, MTU, then its routes.
    func checkVXLANDevice(family: AddressFamily) {
        let name = expectations.calico.device(for: family)
        guard let link = index.linksByName[name] else {
            reportMissingDevice(name: name, family: family)
            return
        }
        if !link.isUsable {
            let state = link.isAdminUp ? "up but has no carrier (LOWER_UP missing)" : "administratively down"
            add(
                Finding(
                    check: .vxlanDeviceDown, object: name, summary: "\(name) is \(state)",
                    detail: "Every packet between pods on this node and pods on other nodes goes through \(name). "
                        + (link.isAdminUp
                            ? "Without carrier the kernel keeps the routes through it but marks them linkdown and "
                                + "drops what they carry: cross-node pod traffic from this node is broken. A VXLAN "
                                + "device without carrier is unusual (the kernel does not take it from the underlay); "
                                + "read the kernel log."
                            : "When a device is set down the kernel deletes every route through it — here the "
                                + "remote blocks' `BLOCK via TUNNEL_IP dev \(name) onlink` routes — and every "
                                + "neighbour entry on it, the permanent ones Felix programmed included; it keeps its "
                                + "permanent FDB entries"
                                + (family == .ipv6
                                    ? ", but deletes its IPv6 addresses too, the tunnel address Felix assigned "
                                        + "included (net.ipv6.conf.\(name).keep_addr_on_down is 0 by default)"
                                    : " and its IPv4 address")
                                + ". So this node has no route to "
                                + "other nodes' pods at all: cross-node pod traffic from this node is broken, and "
                                + "setting the device up again restores nothing by itself. Felix sets the device up "
                                + "when it creates it; something set it down since."),
                    evidence: [syntax.link(link)] + underlayEvidence(link),
                    remediation: "Bring it up: ip link set \(name) up (and its underlay, if that is down). "
                        + (link.isAdminUp
                            ? ""
                            : "Felix resyncs the device's routes and neighbour/FDB entries when it sees it come up: "
                                + "check within seconds with ip route show dev \(name) and ip neigh show dev \(name). ")
                        + "If they stay missing, restart calico-node on this node — \(calicoNodeCommands). Then find "
                        + "out what set it down (a network manager that manages \(name): tell NetworkManager or "
                        + "systemd-networkd to leave it unmanaged)."))
        }
        checkVXLANConfig(link: link, family: family)
        checkVXLANUnderlayMTU(link: link, family: family)
        checkVXLANRoutes(link: link, family: family)
    }

    private func reportMissingDevice(name: String, family: AddressFamily) {
        var evidence = index.felixBlackholes.filter { $0.family == family }.map(syntax.route)
        for link in index.workloadLinks where index.workloadKinds[link.index] == .calico {
            for route in index.workloadRoutes[link.index] ?? [] where route.family == family {
                evidence.append(syntax.route(route))
            }
        }
        let version = family == .ipv6 ? "IPv6" : "IPv4"
        add(
            Finding(
                check: .vxlanDeviceMissing, object: name, summary: "\(name) does not exist",
                detail: "Calico in VXLAN mode carries all \(version) pod traffic between nodes through \(name), "
                    + "which Felix (calico-node) creates at start-up. Without it this node has no routes to "
                    + "other nodes' pod blocks: its pods cannot reach pods elsewhere, and other nodes' pods cannot "
                    + "reach pods here. Felix creates the device only while VXLAN is enabled for \(version): "
                    + vxlanEnabledRule(family)
                    + " Otherwise calico-node is not running (or not ready) on this node, or the device was deleted.",
                evidence: Self.capped(evidence),
                remediation: "Check whether VXLAN is enabled — restarting calico-node does not bring the device back "
                    + "while it is not: "
                    + (family == .ipv6
                        ? ""
                        : "kubectl get felixconfiguration default -o yaml (or calicoctl get felixconfiguration default "
                            + "-o yaml): spec.vxlanEnabled must be absent or true; ")
                    + "kubectl get ippools -o yaml (or calicoctl get ippools -o yaml): at least one \(version) pool "
                    + "needs spec.vxlanMode Always or CrossSubnet (absent means Never). If it is enabled, check "
                    + "calico-node on this node — \(calicoNodeCommands) — and its log (kubectl -n calico-system logs "
                    + "POD -c calico-node | grep -i vxlan); restarting it (kubectl -n calico-system delete pod POD) "
                    + "recreates the device. If the cluster does not use VXLAN, set cni in podnetd's config."))
    }

    /// When Felix enables VXLAN (felix/calc/encapsulation_resolver.go): FelixConfiguration's
    /// `vxlanEnabled` when set (IPv4 only), else whether some pool of the family has a VXLAN mode.
    private func vxlanEnabledRule(_ family: AddressFamily) -> String {
        family == .ipv6
            ? "when some IPv6 IPPool has vxlanMode Always or CrossSubnet (unset means Never; FelixConfiguration "
                + "has no IPv6 switch)."
            : "FelixConfiguration's vxlanEnabled decides when it is set (false: no device, whatever the pools say); "
                + "unset, Felix enables VXLAN when some IPv4 IPPool has vxlanMode Always or CrossSubnet (unset "
                + "means Never)."
    }

    private func underlay(of link: Link) -> Link? {
        if let index = link.vxlan?.underlayIndex, let underlay = self.index.linksByIndex[index] { return underlay }
        if let local = link.vxlan?.local, let owner = index.addressesByIP[local]?.first {
            return index.linksByIndex[owner.interfaceIndex]
        }
        if let device = index.mainDefaultRouteV4?.interfaceIndex { return index.linksByIndex[device] }
        return nil
    }

    private func underlayEvidence(_ link: Link) -> [String] {
        guard let underlay = underlay(of: link), underlay.index != link.index else { return [] }
        return [syntax.link(underlay)]
    }

    private func checkVXLANConfig(link: Link, family: AddressFamily) {
        let calico = expectations.calico
        var problems: [String] = []
        if link.kind != "vxlan" {
            problems.append("it is a \(link.kind) device, not vxlan")
        }
        if let vxlan = link.vxlan {
            if vxlan.vni != calico.vxlanVNI { problems.append("VNI \(vxlan.vni), expected \(calico.vxlanVNI)") }
            if vxlan.port != calico.vxlanPort {
                problems.append("UDP port \(vxlan.port), expected \(calico.vxlanPort)")
            }
            if let local = vxlan.local, index.addressesByIP[local] == nil {
                problems.append("local address \(local) is not an address of this node")
            }
            if let underlayIndex = vxlan.underlayIndex, index.linksByIndex[underlayIndex] == nil {
                problems.append("its underlay interface (index \(underlayIndex)) does not exist")
            }
        }
        problems += clusterDeviceProblems(link: link, family: family)
        guard !problems.isEmpty else { return }
        add(
            Finding(
                check: .vxlanDeviceConfig, object: link.name,
                summary: "\(link.name): " + problems.joined(separator: "; "),
                detail: "All Calico nodes must use the same VNI and UDP port (FelixConfiguration vxlanVNI, "
                    + "vxlanPort; defaults 4096 and 4789), and each node's device must send from the node's own IP "
                    + "over an interface that exists. A node whose device differs sends VXLAN packets the other "
                    + "nodes drop, or drops theirs: pods here cannot talk to pods on other nodes. A stale local "
                    + "address usually means the node's IP changed after Felix created the device.",
                evidence: [syntax.link(link)] + underlayEvidence(link),
                remediation: "Compare with the cluster's settings: kubectl get felixconfiguration default -o yaml "
                    + "(vxlanVNI, vxlanPort). If this node's device is stale, delete it (ip link delete \(link.name)) "
                    + "and restart calico-node on this node so Felix recreates it — \(calicoNodeCommands). If the "
                    + "cluster deliberately uses other values, set calico.vxlanVNI / calico.vxlanPort in podnetd's "
                    + "config."))
    }

    private func checkVXLANUnderlayMTU(link: Link, family: AddressFamily) {
        guard let underlay = underlay(of: link), underlay.index != link.index else { return }
        let overhead: UInt32 = family == .ipv6 ? 70 : 50
        guard underlay.mtu > overhead else { return }
        let limit = underlay.mtu - overhead
        guard link.mtu > limit else { return }
        add(
            Finding(
                check: .vxlanMTU, object: link.name,
                summary: "\(link.name) MTU \(link.mtu) is above \(underlay.name)'s MTU \(underlay.mtu) − \(overhead) "
                    + "= \(limit)",
                detail: "VXLAN wraps each pod packet in \(overhead) bytes of headers (outer "
                    + "\(family == .ipv6 ? "IPv6" : "IPv4"), UDP, VXLAN, Ethernet). Pod packets larger than \(limit) "
                    + "bytes no longer fit the underlay's MTU once wrapped and are dropped or fragmented: small "
                    + "requests work, while large transfers, TLS handshakes and TCP connections with big segments "
                    + "between nodes hang.",
                evidence: [syntax.link(link), syntax.link(underlay)],
                remediation: "Set Calico's MTU to \(limit) or less — Installation spec.calicoNetwork.mtu with the "
                    + "operator, veth_mtu in the calico-config ConfigMap with the manifest install — or leave it "
                    + "unset so Calico detects it; restart calico-node on this node, then recreate the pods here "
                    + "(their veths keep the MTU they were created with)."))
    }

    /// Routes through the device, the VTEPs behind them, and the expected remote blocks.
    private func checkVXLANRoutes(link: Link, family: AddressFamily) {
        let device = link.index
        let positions = index.routesViaVXLAN[device] ?? []
        let allRoutes = snapshot.routes
        vxlanRouteCount += positions.count
        let fdb = index.vxlanFDB[device] ?? [:]

        // VTEPs: permanent neighbour (tunnel IP → MAC) joined with FDB (MAC → node IP).
        let neighbours = index.vxlanNeighbourList[device] ?? []
        // By slot (an array), found through the cheap address table: no dictionary of 5,000 tuples.
        var vtepList: [VTEP] = []
        vtepList.reserveCapacity(neighbours.count)
        var vtepSlots = AddressSlots(capacity: neighbours.count)
        for neighbour in neighbours where neighbour.state.contains(.permanent) && vtepSlots[neighbour.address] == nil {
            guard let mac = neighbour.mac else { continue }
            // The FDB's own array when every entry has a destination (the usual case): no copy per VTEP.
            let all = fdb[mac] ?? []
            let entries = all.allSatisfy { $0.destination != nil } ? all : all.filter { $0.destination != nil }
            if !entries.isEmpty {
                vtepSlots.insert(neighbour.address, vtepList.count)
                vtepList.append(VTEP(neighbour: neighbour, fdb: entries))
            }
        }
        vtepCount += vtepList.count
        programmedVTEPs[device] = ProgrammedVTEPs(slots: vtepSlots, list: vtepList)
        func vteps(_ tunnelIP: IPAddress) -> VTEP? { vtepSlots[tunnelIP].map { vtepList[$0] } }

        // One cheap lookup per route: which VTEP it goes to (remembering the last, which often repeats).
        var routed = [Bool](repeating: false, count: vtepSlots.count)
        var lastGateway: IPAddress?
        var lastSlot: Int?
        var unresolved: [(position: Int, gateway: IPAddress)] = []
        allRoutes.withUnsafeBufferPointer { routes in
            for position in positions {
                if !routes[position].destination.isHost { remoteBlockCount += 1 }
                for hop in routes[position].nextHops where hop.interfaceIndex == device {
                    guard let gateway = hop.gateway else { continue }
                    let slot: Int?
                    if gateway == lastGateway {
                        slot = lastSlot
                    } else {
                        slot = vtepSlots[gateway]
                        lastGateway = gateway
                        lastSlot = slot
                    }
                    if let slot {
                        routed[slot] = true
                    } else {
                        unresolved.append((position, gateway))
                    }
                }
            }
        }
        var reportedBlocks: Set<IPPrefix> = []
        for (position, gateway) in unresolved
        where reportedBlocks.insert(allRoutes[position].destination.network).inserted {
            reportUnresolved(route: allRoutes[position], gateway: gateway, link: link, fdb: fdb)
        }

        // Expected remote blocks.
        var reportedTunnelIPs: Set<IPAddress> = []
        let expectedBlocks = expectations.calico.expectedRemoteBlocks
        let order =
            remoteBlocksFromCluster
            ? clusterIndex?.sortedPositions(family) ?? []
            : ClusterIndex.sortedUniquePositions(expectedBlocks, family: family)
        let nameUnknown = remoteBlocksFromCluster && clusterNodeNameUnknown
        allRoutes.withUnsafeBufferPointer { routes in
            for blockPosition in order {
                let expected = expectedBlocks[Int(blockPosition)]
                if nameUnknown, isOwnTunnelUnderAnotherName(expected.tunnelIP) { continue }
                // The main-table routes to the block, read in place: the first through the device, else
                // whether one goes via a gateway elsewhere (CrossSubnet).
                var throughDevice: Int?
                var viaGateway = false
                if let slot = index.watched[expected.block.network] {
                    index.watchedRoutes.forEachPosition(slot: slot) { position in
                        guard throughDevice == nil, routes[position].table == .main else { return }
                        if routes[position].nextHops.contains(where: { $0.interfaceIndex == device }) {
                            throughDevice = position
                        } else if routes[position].type == .unicast,
                            routes[position].nextHops.contains(where: { $0.gateway != nil })
                        {
                            viaGateway = true
                        }
                    }
                }
                if let position = throughDevice {
                    let gateway = routes[position].nextHops.first { $0.interfaceIndex == device }?.gateway
                    // A remote tunnel address that is its own block (a tunnel pool of /32 blocks) is routed
                    // `TUNNEL dev DEVICE`, without a gateway: it is the VTEP itself
                    // (felix/dataplane/linux/route_mgr.go isRemoteTunnelRoute, vxlan_mgr.go tunnelRoute).
                    let tunnelsOwnBlock =
                        gateway == nil && expected.block.isHost && expected.block.network.address == expected.tunnelIP
                    if gateway != expected.tunnelIP && !tunnelsOwnBlock {
                        reportedTunnelIPs.insert(expected.tunnelIP)
                        reportWrongNextHop(
                            route: routes[position], expected: expected, gateway: gateway, link: link, vteps: vteps)
                    }
                } else if viaGateway {
                    // CrossSubnet: routed directly (the cluster checks judge the gateway); its VTEP is not unrouted.
                    reportedTunnelIPs.insert(expected.tunnelIP)
                    continue
                } else {
                    reportedTunnelIPs.insert(expected.tunnelIP)
                    let candidates = index.watchedRoutes(expected.block.network).filter { $0.table == .main }
                    reportMissingBlockRoute(
                        expected: expected, candidates: candidates, link: link, vtep: vteps(expected.tunnelIP))
                }
            }
        }

        // VTEPs nothing is routed through.
        // Sorted after filtering: on a healthy node every VTEP is routed, and sorting 5,000 cost more than the check.
        let unrouted = vtepList.indices.filter { slot in
            !routed[slot] && !reportedTunnelIPs.contains(vtepList[slot].neighbour.address)
        }
        for vtep in unrouted.map({ vtepList[$0] }).sorted(by: { $0.neighbour.address < $1.neighbour.address }) {
            let tunnelIP = vtep.neighbour.address
            if index.vxlanHostRouteDestinations.contains(tunnelIP) { continue }  // borrowed tunnel IP
            let hosts = vtep.fdb.compactMap(\.destination)
            if hosts.contains(where: { index.directBlockGateways.contains($0) }) { continue }  // CrossSubnet
            let hostText = hosts.map(\.description).joined(separator: ", ")
            add(
                Finding(
                    check: .vxlanRouteMissing, object: tunnelIP.description,
                    summary: "VTEP \(tunnelIP) (node \(hostText)) has no block routed through \(link.name)",
                    detail: "Felix has programmed the remote node \(hostText) as a VTEP (tunnel IP \(tunnelIP), "
                        + "MAC \(vtep.neighbour.mac.map(\.description) ?? "?")) but no route sends any pod block to it. "
                        + "Every Calico node owns at least one block (its tunnel address comes from one), so a "
                        + "`BLOCK via \(tunnelIP) dev \(link.name) onlink` route is missing: pods on this node cannot "
                        + "reach the pods on that node, silently.",
                    evidence: [syntax.neighbour(vtep.neighbour)] + vtep.fdb.map(syntax.fdb),
                    remediation: "Compare ip route show dev \(link.name) with the blocks of node \(hostText) "
                        + "(calicoctl ipam show --show-blocks). Felix adds the route when it learns the block: read "
                        + "calico-node's log on this node (kubectl -n calico-system logs POD -c calico-node | grep "
                        + "-i vxlan) and restart calico-node here — \(calicoNodeCommands)."))
        }
    }

    /// A programmed VTEP: a permanent neighbour (tunnel IP → MAC) and its FDB entries with a destination.
    struct VTEP {
        let neighbour: Neighbour
        let fdb: [FDBEntry]
    }

    /// A VXLAN device's programmed VTEPs by tunnel IP, as the route check found them (the cluster
    /// check compares each Node with them first).
    struct ProgrammedVTEPs {
        let slots: AddressSlots
        let list: [VTEP]

        subscript(tunnelIP: IPAddress) -> VTEP? { slots[tunnelIP].map { list[$0] } }
    }

    private func reportUnresolved(
        route: Route, gateway: IPAddress, link: Link, fdb: [HardwareAddress: [FDBEntry]]
    ) {
        let block = route.destination.network
        var evidence = [syntax.route(route)]
        let problem: String
        let neighbour = index.vxlanNeighbours[NodeIndex.NeighbourKey(interfaceIndex: link.index, address: gateway)]
        if let neighbour { evidence.append(syntax.neighbour(neighbour)) }
        if let neighbour, let mac = neighbour.mac {
            let entries = fdb[mac] ?? []
            evidence.append(contentsOf: entries.map(syntax.fdb))
            if !neighbour.state.contains(.permanent) {
                problem =
                    "the neighbour entry for \(gateway) is \(neighbour.state.names.joined(separator: " ")), "
                    + "not PERMANENT"
            } else if entries.isEmpty {
                problem = "no FDB entry for its MAC \(mac)"
            } else {
                problem = "the FDB entry for its MAC \(mac) has no dst (remote node IP)"
            }
        } else if let neighbour {
            problem = "the neighbour entry for \(gateway) has no MAC (\(neighbour.state.names.joined(separator: " ")))"
        } else {
            problem = "no neighbour entry for the tunnel IP \(gateway)"
        }
        add(
            Finding(
                check: .vxlanRouteUnresolved, object: block.description,
                summary: "\(block.routeDescription) via \(gateway) dev \(link.name): \(problem)",
                detail: "Felix programs three things per remote node: the route (block via the node's tunnel IP), "
                    + "a permanent neighbour entry (tunnel IP → tunnel MAC) and an FDB entry (tunnel MAC → node IP). "
                    + "The VXLAN device does no ARP, so without the neighbour the kernel cannot address the inner "
                    + "frame, and without the FDB destination it does not know which node to send the UDP packet "
                    + "to. What is wrong here: \(problem). Packets from this node's pods to \(block.routeDescription) are dropped, "
                    + "silently.",
                evidence: evidence,
                remediation: "Inspect: ip neigh show dev \(link.name); bridge fdb show dev \(link.name); ip route show "
                    + "dev \(link.name). Check the remote node's VXLAN tunnel address and MAC (kubectl get node NODE "
                    + "-o yaml: annotations projectcalico.org/IPv4VXLANTunnelAddr and "
                    + "projectcalico.org/VXLANTunnelMACAddr; projectcalico.org/IPv6VXLANTunnelAddr and "
                    + "projectcalico.org/VXLANTunnelMACAddrV6 for IPv6). Felix "
                    + "reprograms all three on start: read calico-node's log here (kubectl -n calico-system logs POD "
                    + "-c calico-node | grep -i vxlan) and restart it — \(calicoNodeCommands)."))
    }

    private func reportWrongNextHop(
        route: Route, expected: ExpectedRemoteBlock, gateway: IPAddress?, link: Link,
        vteps: (IPAddress) -> VTEP?
    ) {
        let block = expected.block.network
        var evidence = [syntax.route(route)]
        for tunnelIP in [gateway, expected.tunnelIP].compactMap({ $0 }) {
            if let vtep = vteps(tunnelIP) { evidence.append(syntax.neighbour(vtep.neighbour)) }
        }
        let actual = gateway.map(\.description) ?? "no gateway"
        add(
            Finding(
                check: .vxlanRouteWrongNextHop, object: block.description,
                summary: "\(block) goes via \(actual), expected its owner's tunnel IP \(expected.tunnelIP)",
                detail: "The block \(block) belongs to the node whose VXLAN tunnel IP is \(expected.tunnelIP), but "
                    + "this node sends its traffic via \(actual). Pods in that block are unreachable from here, or "
                    + "their traffic reaches the wrong node and is dropped. Either the block moved (its old owner's "
                    + "route is stale: Felix here missed the update) or podnetd's expectedRemoteBlocks is out of date.",
                evidence: evidence,
                remediation: "Check who owns the block: calicoctl ipam show --show-blocks, and the owner's tunnel "
                    + "address (kubectl get node NODE -o yaml | grep projectcalico.org/IPv4VXLANTunnelAddr). If "
                    + "calico.expectedRemoteBlocks "
                    + "is stale, update it; otherwise restart calico-node on this node so Felix rewrites the route — "
                    + "\(calicoNodeCommands)."))
    }

    private func reportMissingBlockRoute(
        expected: ExpectedRemoteBlock, candidates: [Route], link: Link,
        vtep: VTEP?
    ) {
        let block = expected.block.network
        var evidence = candidates.map(syntax.route)
        if let vtep {
            evidence.append(syntax.neighbour(vtep.neighbour))
            evidence.append(contentsOf: vtep.fdb.map(syntax.fdb))
        }
        var found = ""
        if candidates.contains(where: { $0.type == .blackhole }) {
            found =
                " Instead a blackhole route claims the block as this node's own: two nodes think they own it "
                + "(an IPAM conflict)."
        } else if let other = candidates.first {
            found = " Instead it is routed as `\(syntax.route(other))`."
        }
        let vtepText =
            vtep.map {
                "The owner's VTEP is programmed (\($0.neighbour.address) → "
                    + "\($0.fdb.compactMap(\.destination).map(\.description).joined(separator: ", "))), only the route is "
                    + "missing."
            } ?? "The owner's VTEP (tunnel IP \(expected.tunnelIP)) is not programmed either."
        add(
            Finding(
                check: .vxlanRouteMissing, object: block.description,
                summary: "no route for remote block \(block)\(expected.node.map { " of node \($0)" } ?? "") via "
                    + "\(expected.tunnelIP) dev \(link.name)",
                detail: "The block \(block) lives on the node with tunnel IP \(expected.tunnelIP); this node needs "
                    + "`\(block) via \(expected.tunnelIP) dev \(link.name) onlink` to reach its pods. Without it, "
                    + "traffic from this node's pods to that block follows the default route and is lost: the pods "
                    + "there are unreachable from here, silently.\(found) \(vtepText)",
                evidence: evidence,
                remediation:
                    "Inspect: ip route show dev \(link.name); ip route get \(block.address). Check the block's "
                    + "owner (calicoctl ipam show --show-blocks). Felix adds the route when it learns the block: "
                    + "read calico-node's log here (kubectl -n calico-system logs POD -c calico-node | grep -i vxlan) "
                    + "and restart it — \(calicoNodeCommands)."
                    // The cluster's view follows a moved block by itself; a hand-written list does not.
                    + (remoteBlocksFromCluster ? "" : " If the block moved, update calico.expectedRemoteBlocks."))
        )
    }

    /// Local workloads whose block has no Felix blackhole (and is not another node's block).
    func checkLocalBlocks() {
        let localBlocks = PrefixSet(index.felixBlackholes.map(\.destination))
        var uncovered: [Route] = []
        for link in index.workloadLinks where index.workloadKinds[link.index] == .calico {
            for route in index.workloadRoutes[link.index] ?? [] {
                if localBlocks.contains(route.destination.address) { continue }
                if hasConfiguredPool(route.family), configuredPool(containing: route.destination) == nil { continue }
                uncovered.append(route)
            }
        }
        guard !uncovered.isEmpty else { return }
        // Borrowed IPs: inside a block routed to another node (through the tunnel, or CrossSubnet).
        let remote = remoteBlocksContaining(uncovered.map(\.destination.address))
        // With the cluster's view a workload in one of this node's blocks belongs to that block, of whatever
        // size; BIRD blackholes the blocks of IPIP and unencapsulated pools (`proto bird`), not Felix.
        let ownBlocks = clusterIndex?.ownBlocks.map(\.block) ?? []
        let blackholes =
            ownBlocks.isEmpty
            ? []
            : Set(snapshot.routes.lazy.filter { $0.table == .main && $0.type == .blackhole }.map(\.destination.network))
        var missing: [IPPrefix: [Route]] = [:]
        for route in uncovered where !remote.contains(route.destination.address) {
            if let own = ownBlocks.first(where: { $0.contains(route.destination.address) }) {
                // A /32 (/128) block gets no blackhole (felix/dataplane/linux/route_mgr.go routeIsLocalBlock).
                if !own.isHost, !blackholes.contains(own) { missing[own, default: []].append(route) }
                continue
            }
            let block = IPPrefix(host: route.destination.address)
                .withLength(expectations.blockSize(for: route.family)).network
            missing[block, default: []].append(route)
        }
        for (block, routes) in missing.sorted(by: { $0.key < $1.key }) {
            let workloads = Self.plural(routes.count, "local workload")
            add(
                Finding(
                    check: .blockBlackholeMissing, object: block.description,
                    summary: "block \(block) holds \(workloads) but has no blackhole route",
                    detail: "Felix installs `blackhole BLOCK proto 80` for each block this node owns, so that "
                        + "packets to addresses of the block that no pod holds (a deleted pod's IP) are dropped "
                        + "here. Without it they follow the default route out of the node, where they can loop "
                        + "between nodes or leak into the VPC. The block is not routed to another node either, so "
                        + "this node owns it but Felix has not (or no longer) programmed it — often a sign that "
                        + "Felix's view of block affinities is stale.",
                    evidence: Self.capped(routes.map(syntax.route)),
                    remediation: "Check the block's affinity: calicoctl ipam show --show-blocks (it should be affine "
                        + "to this node) and calicoctl ipam check. Read calico-node's log here and restart it — "
                        + "\(calicoNodeCommands). Do not add the route by hand: Felix owns it."))
        }
    }

    /// Which of `addresses` lie in a block routed to another node: a main-table route with a gateway
    /// through a VXLAN device, or of a block's length (CrossSubnet). One pass over the routes with a
    /// binary search in the sorted addresses each: no hashing per route.
    private func remoteBlocksContaining(_ addresses: [IPAddress]) -> Set<IPAddress> {
        let sorted = addresses.sorted()
        var found: Set<IPAddress> = []
        func scan(_ destination: IPPrefix) {
            let network = destination.network
            let first = network.address
            let last = Self.lastAddress(of: network)
            var low = 0
            var high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                if sorted[middle] < first { low = middle + 1 } else { high = middle }
            }
            while low < sorted.count, sorted[low] <= last {
                found.insert(sorted[low])
                low += 1
            }
        }
        for positions in index.routesViaVXLAN.values {
            for position in positions { scan(snapshot.routes[position].destination) }
        }
        for route in snapshot.routes where route.table == .main && route.type == .unicast {
            let destination = route.destination
            guard destination.length == expectations.blockSize(for: destination.family),
                route.nextHops.contains(where: { $0.gateway != nil })
            else { continue }
            scan(destination)
        }
        return found
    }

    /// The highest address of a prefix.
    static func lastAddress(of prefix: IPPrefix) -> IPAddress {
        switch prefix.address {
        case .v4(let bits):
            let hostBits = 32 - prefix.length
            return .v4(hostBits >= 32 ? UInt32.max : bits | ((UInt32(1) << hostBits) &- 1))
        case .v6(let bits):
            let hostBits = 128 - prefix.length
            return .v6(hostBits >= 128 ? UInt128.max : bits | ((UInt128(1) << hostBits) &- 1))
        }
    }

    /// Blackhole and VXLAN-routed blocks must lie in a configured pool and have the block size.
    func checkBlocksInPools() {
        guard !configuredPools.isEmpty else { return }
        var problems: [IPPrefix: (reasons: [String], routes: [Route])] = [:]
        let pools = configuredPools
        let blockSize = expectations.blockSize
        let blockSizeV6 = expectations.blockSizeV6
        // The cluster's pools of a family may differ in block size (then the merge sets none): each
        // block is then judged by the size of its own IPPool. Only then: a scan of the pools per route.
        let clusterPools = cluster?.pools ?? []
        let sizesDiffer = [AddressFamily.ipv4, .ipv6].contains { family in
            Set(clusterPools.filter { $0.cidr.family == family }.map(\.effectiveBlockSize)).count > 1
        }
        let poolSizes: [(cidr: IPPrefix, size: Int)]? =
            sizesDiffer ? clusterPools.map { ($0.cidr, $0.effectiveBlockSize) } : nil
        /// The reason a block is out of place, or nil; arithmetic only in the common case.
        func problem(_ destination: IPPrefix) -> String? {
            let family = destination.family
            var familyHasPool = false
            var inPool = false
            for pool in pools where pool.family == family {
                familyHasPool = true
                if pool.contains(destination) {
                    inPool = true
                    break
                }
            }
            guard familyHasPool else { return nil }
            let size =
                poolSizes?.first { $0.cidr.contains(destination) }?.size ?? (family == .ipv6 ? blockSizeV6 : blockSize)
            if inPool && (destination.isHost || destination.length == size) { return nil }
            if !inPool {
                let names = pools.filter { $0.family == family }.map(\.description)
                return "outside the pod CIDRs (\(names.joined(separator: ", ")))"
            }
            return "a /\(destination.length), not a /\(size) block"
        }
        func record(_ route: Route, _ reason: String) {
            let block = route.destination.network
            var entry = problems[block] ?? ([], [])
            if !entry.reasons.contains(reason) { entry.reasons.append(reason) }
            entry.routes.append(route)
            problems[block] = entry
        }
        for route in index.felixBlackholes {
            if let reason = problem(route.destination.network) { record(route, reason) }
        }
        var found: [(position: Int, reason: String)] = []
        snapshot.routes.withUnsafeBufferPointer { routes in
            for positions in index.routesViaVXLAN.values {
                for position in positions {
                    if let reason = problem(routes[position].destination.network) { found.append((position, reason)) }
                }
            }
        }
        for (position, reason) in found { record(snapshot.routes[position], reason) }
        for (block, entry) in problems.sorted(by: { $0.key < $1.key }) {
            add(
                Finding(
                    check: .blockOutsidePool, object: block.description,
                    summary: "\(block) is " + entry.reasons.joined(separator: " and "),
                    detail:
                        "Calico carves blocks of /\(expectations.blockSize) (IPv6 /\(expectations.blockSizeV6)) out "
                        + "of its IP pools, and Felix routes exactly those. A block route outside the configured "
                        + "pod CIDRs or of another size means either podnetd's podCIDRs/blockSize do not match the "
                        + "cluster's IP pools, or the route is a leftover of a pool that was removed or resized — "
                        + "which can shadow host or VPC addresses.",
                    evidence: entry.routes.map(syntax.route),
                    remediation: "Compare with the cluster: calicoctl get ippools -o wide (CIDR, block size) and "
                        + "calicoctl ipam show --show-blocks. If the pools changed, update podCIDRs / blockSize in "
                        + "podnetd's config; if the route is a leftover, release the block (calicoctl ipam check, "
                        + "calicoctl ipam release) and restart calico-node on this node so Felix removes it."))
        }
    }

    /// A workload veth's MTU must not exceed the VXLAN device's.
    func checkWorkloadMTUs() {
        let calico = expectations.calico
        guard let device = index.linksByName[calico.vxlanDevice] ?? index.linksByName[calico.vxlanDeviceV6] else {
            return
        }
        for link in index.workloadLinks where index.workloadKinds[link.index] == .calico && link.mtu > device.mtu {
            add(
                Finding(
                    check: .vxlanMTU, object: link.name,
                    summary: "\(link.name) MTU \(link.mtu) is above \(device.name)'s MTU \(device.mtu)",
                    detail:
                        "The pod behind \(link.name) sends packets of up to \(link.mtu) bytes, but only \(device.mtu) "
                        + "fit through \(device.name): larger packets to other nodes are dropped (the ICMP "
                        + "'fragmentation needed' that should shrink them is often filtered). Small requests work "
                        + "while large transfers hang. Calico gives each veth the pool MTU when the pod is created.",
                    evidence: [syntax.link(link), syntax.link(device)]
                        + (index.workloadRoutes[link.index] ?? []).prefix(2).map(syntax.route),
                    remediation: "Make Calico's MTU setting match \(device.name) (Installation spec.calicoNetwork.mtu, "
                        + "or veth_mtu in the calico-config ConfigMap), then recreate this pod: a veth keeps the MTU "
                        + "it was created with. Find the pod: its IP is the route above (kubectl get pods -A -o wide "
                        + "--field-selector spec.nodeName=\(nodeNameInCommands))."))
        }
    }
}
