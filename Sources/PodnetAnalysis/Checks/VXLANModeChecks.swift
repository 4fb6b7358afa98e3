import PodnetModel

extension Analysis {
    /// A main-table route of a remote Calico block that does not go through the VXLAN device.
    struct DirectBlockRoute {
        let route: Route
        let gateway: IPAddress
        let device: Link
        /// Whether the gateway lies in a subnet of the interface the route leaves through.
        let gatewayInSubnet: Bool
    }

    /// Remote blocks against the configured `calico.vxlanMode` (IPv4 pools): under Always none may be
    /// routed outside the VXLAN device; under CrossSubnet only those of nodes in this node's subnet.
    func checkVXLANMode() {
        guard let mode = expectations.calico.vxlanMode else { return }
        let direct = directBlockRoutes()
        switch mode {
        case .always:
            for entry in direct { reportModeMismatch(entry, mode: mode) }
        case .crossSubnet:
            for entry in direct where !entry.gatewayInSubnet { reportModeMismatch(entry, mode: mode) }
            let correct = direct.filter(\.gatewayInSubnet)
            if !correct.isEmpty, let instanceType = expectations.instanceType {
                reportSourceDestCheck(correct, instanceType: instanceType)
            }
        }
    }

    /// IPv4 main-table routes with a gateway, not through a VXLAN device or a workload veth, whose
    /// destination is a remote block: inside a configured pool, an expected remote block, or — without
    /// pools — of the block size via a known VTEP's node IP.
    private func directBlockRoutes() -> [DirectBlockRoute] {
        let pools = configuredPools.filter { $0.family == .ipv4 }
        let expectedBlocks = Set(expectations.calico.expectedRemoteBlocks.map(\.block.network))
        var vtepNodes: Set<IPAddress> = []
        for link in [expectations.calico.vxlanDevice].compactMap({ index.linksByName[$0] }) {
            for entries in (index.vxlanFDB[link.index] ?? [:]).values {
                for entry in entries { if let node = entry.destination { vtepNodes.insert(node) } }
            }
        }
        var result: [DirectBlockRoute] = []
        var seen: Set<IPPrefix> = []
        for route in snapshot.routes
        where route.table == .main && route.type == .unicast && route.family == .ipv4 && !route.destination.isDefault
            && !route.destination.isHost
        {
            guard let hop = route.nextHops.first(where: { $0.gateway != nil }), let gateway = hop.gateway,
                let deviceIndex = hop.interfaceIndex, let device = index.linksByIndex[deviceIndex],
                device.vxlan == nil, index.workloadKinds[deviceIndex] == nil
            else { continue }
            let block = route.destination.network
            let isRemoteBlock: Bool
            if !pools.isEmpty {
                isRemoteBlock = pools.contains { $0.contains(block) }
            } else {
                isRemoteBlock =
                    expectedBlocks.contains(block)
                    || (block.length == expectations.blockSize && vtepNodes.contains(gateway))
            }
            guard isRemoteBlock, seen.insert(block).inserted else { continue }
            let subnets = (index.addressesByIndex[deviceIndex] ?? [])
                .filter { $0.family == .ipv4 && !$0.prefix.isHost }.map(\.prefix.network)
            let inSubnet = subnets.contains { $0.contains(IPPrefix(host: gateway)) }
            result.append(DirectBlockRoute(route: route, gateway: gateway, device: device, gatewayInSubnet: inSubnet))
        }
        return result.sorted { $0.route.destination < $1.route.destination }
    }

    private func reportModeMismatch(_ entry: DirectBlockRoute, mode: CalicoVXLANMode) {
        let block = entry.route.destination.network
        let device = expectations.calico.vxlanDevice
        let subnets = (index.addressesByIndex[entry.device.index] ?? [])
            .filter { $0.family == .ipv4 && !$0.prefix.isHost }.map(\.prefix.network.description)
        let subnetText = subnets.isEmpty ? "no subnet" : subnets.joined(separator: ", ")
        let why: String
        switch mode {
        case .always:
            why = "With vxlanMode Always every remote block goes through \(device); Felix never routes one directly."
        case .crossSubnet:
            why = "With vxlanMode CrossSubnet Felix routes a block directly only when its node shares a subnet with "
                + "this node (here \(entry.device.name)'s \(subnetText)); \(entry.gateway) is outside it, so the "
                + "block belongs in \(device)."
        }
        add(
            Finding(
                check: .vxlanModeMismatch, object: block.description,
                summary: "\(block) is routed directly via \(entry.gateway) dev \(entry.device.name), not through "
                    + "\(device) (calico.vxlanMode \(mode))",
                detail: "\(why) A direct route sends the pods' packets unencapsulated, with pod IPs as source and "
                    + "destination, to \(entry.gateway): routers between the nodes (and the VPC, whose "
                    + "source/destination check drops them) do not know the pod network, so traffic to that block is "
                    + "lost. Either the pool's mode differs from calico.vxlanMode, or the route was left behind by "
                    + "an earlier mode (or added by hand, or by a BGP speaker).",
                evidence: [syntax.route(entry.route)] + subnets.map { "\(entry.device.name) subnet \($0)" },
                remediation: "Compare with the pool: calicoctl get ippools -o wide (VXLANMODE). If the pool says "
                    + "\(mode), restart calico-node on this node so Felix rewrites the route — \(calicoNodeCommands); "
                    + "if the route is not Felix's (ip route show \(block): proto 80 is Felix's), delete it (ip route "
                    + "del \(block)). If the pool's mode is deliberate, set calico.vxlanMode to match."))
    }

    private func reportSourceDestCheck(_ routes: [DirectBlockRoute], instanceType: String) {
        let devices = Array(Set(routes.map(\.device.name))).sorted()
        let blocks = routes.map(\.route.destination.network.description)
        add(
            Finding(
                check: .crossSubnetSourceDestCheck, object: devices.joined(separator: ","),
                summary: "\(Self.plural(blocks.count, "block")) routed directly (CrossSubnet) on EC2 \(instanceType): "
                    + "the source/destination check of \(devices.joined(separator: ", "))'s ENI must be disabled",
                detail: "Under CrossSubnet this node sends pod packets unencapsulated to nodes in its subnet, with pod "
                    + "IPs that are not the ENI's. EC2 drops such packets unless the instance's (the ENI's) "
                    + "source/destination check is disabled — a setting of the EC2 API that the node cannot see, so "
                    + "podnetd cannot tell whether it is done.",
                evidence: Self.capped(routes.map { syntax.route($0.route) }, limit: 4),
                remediation: "Disable it: aws ec2 modify-instance-attribute --instance-id INSTANCE --no-source-dest-check "
                    + "(per ENI: aws ec2 modify-network-interface-attribute --network-interface-id ENI "
                    + "--no-source-dest-check), or let Calico do it: FelixConfiguration awsSrcDstCheck: Disable (needs "
                    + "ec2:ModifyNetworkInterfaceAttribute for the node's role). Check: aws ec2 describe-instances "
                    + "--instance-ids INSTANCE --query 'Reservations[].Instances[].SourceDestCheck'."))
    }
}
