import PodnetModel

/// Remote blocks routed directly (not through the VXLAN device) against what Felix would program
/// for them, per the cluster's view. Felix (felix/calc/l3_route_resolver.go) marks a route
/// `SameSubnet` when the block's pool has `vxlanMode: CrossSubnet` and the owner's address lies in
/// this node's subnet — the subnet of this node's `projectcalico.org/IPv4Address` (IPv6Address),
/// else of its InternalIP taken as a host address, so then no other node is in it. For such a block
/// the route manager (felix/dataplane/linux/route_mgr.go, `noEncapRoute`) programs
/// `BLOCK via OWNER_ADDRESS dev PARENT` where OWNER_ADDRESS is the owner's Calico address (without
/// its length), else its InternalIP; every other block of a VXLAN pool goes via the owner's tunnel
/// address through the VXLAN device.
extension Analysis {
    /// A direct route of a cluster-expected block: via the owner's exact address when the owner shares
    /// this node's subnet under CrossSubnet (`crosssubnet-route-wrong-gateway`), else not at all
    /// (`vxlan-mode-mismatch`, unless the configured `calico.vxlanMode` already reported the block).
    func checkDirectBlockRoutesAgainstCluster(_ clusterIndex: ClusterIndex) {
        let view = clusterIndex.view
        let vxlanPools = view.pools.filter(\.usesVXLAN)
        guard !vxlanPools.isEmpty else { return }
        // Direct routes are rare (CrossSubnet only): find them first, look nodes up only for them.
        var candidates: [(expected: ExpectedRemoteBlock, owner: String, pool: CalicoIPPool, direct: DirectRoute)] = []
        var seen: Set<IPPrefix> = []
        for expected in expectations.calico.expectedRemoteBlocks {
            let block = expected.block.network
            guard let owner = expected.node, let direct = directRoute(for: block), seen.insert(block).inserted,
                let pool = vxlanPools.first(where: { $0.cidr.contains(block) })
            else { continue }
            candidates.append((expected, owner, pool, direct))
        }
        guard !candidates.isEmpty else { return }
        let local = clusterIndex.localNode
        let owners = Set(candidates.map(\.owner))
        var ownerByName: [String: ClusterNode] = [:]
        for node in view.nodes where owners.contains(node.name) { ownerByName[node.name] = node }
        let alreadyReported = Set(findings.filter { $0.check == .vxlanModeMismatch }.map(\.object))
        for (expected, ownerName, pool, direct) in candidates {
            let block = expected.block.network
            let ownerAddress = ownerByName[ownerName]?.underlayAddress(block.family)
            let localSubnet = block.family == .ipv6 ? local?.calicoIPv6Address : local?.calicoIPv4Address
            let sameSubnet =
                pool.vxlanMode == "CrossSubnet" && ownerAddress.map { address in
                    localSubnet.map { $0.network.contains(IPPrefix(host: address)) } ?? false
                } ?? false
            if sameSubnet, let ownerAddress {
                guard direct.gateway != ownerAddress else { continue }
                reportWrongDirectGateway(direct, block: block, owner: ownerName, expected: ownerAddress)
            } else if !alreadyReported.contains(block.description) {
                reportDirectRouteNeedsTunnel(
                    direct, block: block, pool: pool, owner: ownerName, ownerAddress: ownerAddress,
                    localSubnet: localSubnet, tunnelIP: expected.tunnelIP)
            }
        }
    }

    /// A route of a remote block that leaves through a plain interface, and its gateway.
    typealias DirectRoute = (route: Route, gateway: IPAddress, device: String)

    /// The block's main-table unicast route with a gateway through a device that is neither a VXLAN
    /// device nor a workload veth.
    /// Reads the block's routes in place (`NodeIndex.watchedRoutes` keeps positions); copies only the one found.
    private func directRoute(for block: IPPrefix) -> DirectRoute? {
        guard let slot = index.watched[block] else { return nil }
        var found: (position: Int, gateway: IPAddress, device: String)?
        snapshot.routes.withUnsafeBufferPointer { routes in
            index.watchedRoutes.forEachPosition(slot: slot) { position in
                guard found == nil, routes[position].table == .main, routes[position].type == .unicast else { return }
                for hop in routes[position].nextHops {
                    guard let gateway = hop.gateway, let deviceIndex = hop.interfaceIndex,
                        let device = index.linksByIndex[deviceIndex], device.vxlan == nil,
                        index.workloadKinds[deviceIndex] == nil
                    else { continue }
                    found = (position, gateway, device.name)
                    return
                }
            }
        }
        return found.map { (snapshot.routes[$0.position], $0.gateway, $0.device) }
    }

    private func reportWrongDirectGateway(
        _ direct: DirectRoute, block: IPPrefix, owner: String, expected: IPAddress
    ) {
        let names = ClusterVTEPAnnotations(block.family)
        add(
            Finding(
                check: .crossSubnetRouteWrongGateway, object: block.description,
                summary: "\(block) of node \(owner) is routed directly via \(direct.gateway) dev \(direct.device), "
                    + "expected via the node's address \(expected)",
                detail: "The block's pool has vxlanMode CrossSubnet and node \(owner) shares this node's subnet, so "
                    + "Felix routes \(block) unencapsulated straight to that node: via its address \(expected) "
                    + "(\(names.address), else its InternalIP). This node sends the block's traffic to "
                    + "\(direct.gateway) instead — usually the address the node had before it was re-created or "
                    + "re-addressed, and Felix here missed the update. That host does not hold the block's pods: "
                    + "they are unreachable from here, or the packets are dropped or misdelivered.",
                evidence: [syntax.route(direct.route)],
                remediation: "Compare kubectl get node \(owner) -o yaml (annotation \(names.address), "
                    + "status.addresses) with ip route show \(block). If the Node is right, restart calico-node "
                    + "on this node so Felix rewrites the route — \(calicoNodeCommands); if the route is not "
                    + "Felix's (proto 80 is Felix's), delete it (ip route del \(block))."))
    }

    private func reportDirectRouteNeedsTunnel(
        _ direct: DirectRoute, block: IPPrefix, pool: CalicoIPPool,
        owner: String, ownerAddress: IPAddress?, localSubnet: IPPrefix?, tunnelIP: IPAddress
    ) {
        let names = ClusterVTEPAnnotations(block.family)
        let device = expectations.calico.device(for: block.family)
        let why: String
        if pool.vxlanMode == "CrossSubnet" {
            let subnet =
                localSubnet.map { "this node's subnet \($0.network) (\(names.address))" }
                ?? "this node's subnet (unknown: this node has no \(names.address) annotation, so Felix sees no "
                    + "other node in it)"
            why = "Pool \(pool.name) has vxlanMode CrossSubnet, but node \(owner)'s address "
                + "\(ownerAddress.map(\.description) ?? "(unknown)") is outside \(subnet): Felix routes the "
                + "block through \(device)."
        } else {
            why = "Pool \(pool.name) has vxlanMode \(pool.vxlanMode): Felix routes every remote block of it "
                + "through \(device), never directly."
        }
        add(
            Finding(
                check: .vxlanModeMismatch, object: block.description,
                summary: "\(block) of node \(owner) is routed directly via \(direct.gateway) dev \(direct.device), "
                    + "expected via \(tunnelIP) dev \(device) (IPPool \(pool.name) vxlanMode \(pool.vxlanMode))",
                detail: "\(why) A direct route sends the pods' packets unencapsulated, with pod IPs as source and "
                    + "destination, to \(direct.gateway): routers between the subnets (and the VPC, whose "
                    + "source/destination check drops them) do not know the pod network, so traffic to that block "
                    + "is lost. The route is a leftover of an earlier mode or address, or not Felix's.",
                evidence: [syntax.route(direct.route)],
                remediation: "Compare with the pool and the nodes: kubectl get ippools.crd.projectcalico.org "
                    + "\(pool.name) -o yaml (spec.vxlanMode); kubectl get node \(owner) -o yaml (\(names.address)). "
                    + "Restart calico-node on this node so Felix rewrites the route — \(calicoNodeCommands); if "
                    + "the route is not Felix's (ip route show \(block): proto 80 is Felix's), delete it (ip route "
                    + "del \(block))."))
    }
}
