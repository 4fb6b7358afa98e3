import PodnetModel

extension Analysis {
    /// The VXLAN device must send from the interface the kernel routes the remote VTEPs' node IPs
    /// through: its underlay (`dev`) and `local` address against a main-table lookup of each FDB
    /// destination. Calico's IP autodetection picking another NIC (a public or secondary one) shows here.
    func checkVXLANBinding(link: Link) {
        guard let vxlan = link.vxlan, vxlan.underlayIndex != nil || vxlan.local != nil else { return }
        var destinations: [IPAddress] = []
        for entries in (index.vxlanFDB[link.index] ?? [:]).values {
            for entry in entries { if let destination = entry.destination { destinations.append(destination) } }
        }
        guard !destinations.isEmpty else { return }
        let nodes = Set(destinations).sorted()
        let lookup = MainTableLookup(snapshot: snapshot, destinations: nodes)
        var mismatches: [(node: IPAddress, route: Route, device: Link)] = []
        for node in nodes {
            guard let route = lookup.route(to: node), route.type == .unicast,
                let device = route.nextHops.first?.interfaceIndex.flatMap({ index.linksByIndex[$0] }),
                index.workloadKinds[device.index] == nil, device.vxlan == nil
            else { continue }
            if isBoundCorrectly(vxlan, to: device, route: route) { continue }
            mismatches.append((node, route, device))
        }
        if !mismatches.isEmpty { mismatches = confirmedByPolicyRouting(mismatches, vxlan: vxlan) }
        guard let first = mismatches.first else { return }
        reportWrongBinding(link: link, vxlan: vxlan, mismatches: mismatches, expected: first.device)
    }

    /// The mismatches the kernel's whole lookup confirms. Packets the VXLAN device sends leave from its
    /// `local` address, and policy routing (per-NIC tables behind `from ADDRESS lookup N` rules, as
    /// amazon-ec2-net-utils and netplan set up for secondary NICs) may route them through another
    /// table than main: a node IP the main table reaches through eth0 can correctly be reached through
    /// the device's own NIC. Indexing every route for the rules is paid only when the main table disagrees.
    private func confirmedByPolicyRouting(
        _ mismatches: [(node: IPAddress, route: Route, device: Link)], vxlan: VXLANInfo
    ) -> [(node: IPAddress, route: Route, device: Link)] {
        let fib = FIBLookup(index: RoutingIndex(snapshot: snapshot))
        return mismatches.filter { mismatch in
            let flow = Flow(
                destination: mismatch.node, source: vxlan.local, inputIndex: fib.index.loopbackIndex, outputIndex: nil,
                mark: 0)
            guard case .route(let position, _, _) = fib.resolve(flow, trace: false).outcome else { return true }
            let route = fib.index.route(position)
            guard route.type == .unicast,
                let device = route.nextHops.first?.interfaceIndex.flatMap({ index.linksByIndex[$0] })
            else { return true }
            return !isBoundCorrectly(vxlan, to: device, route: route)
        }
    }

    /// Whether `vxlan` sends over `device` with one of its addresses (when it names either).
    private func isBoundCorrectly(_ vxlan: VXLANInfo, to device: Link, route: Route) -> Bool {
        if let underlay = vxlan.underlayIndex, underlay != device.index { return false }
        if let local = vxlan.local {
            let owned = (index.addressesByIndex[device.index] ?? []).contains { $0.prefix.address == local }
            if !owned && route.preferredSource != local { return false }
        }
        return true
    }

    private func reportWrongBinding(
        link: Link, vxlan: VXLANInfo, mismatches: [(node: IPAddress, route: Route, device: Link)], expected: Link
    ) {
        var bound: [String] = []
        if let underlay = vxlan.underlayIndex { bound.append("dev \(index.name(underlay))") }
        if let local = vxlan.local {
            let owner = index.addressesByIP[local]?.first.map { " (\(index.name($0.interfaceIndex)))" } ?? ""
            bound.append("local \(local)\(owner)")
        }
        let expectedSubnet = (index.addressesByIndex[expected.index] ?? [])
            .first { $0.family == .ipv4 && $0.scope == .universe && !$0.prefix.isHost }?.prefix.network
        let nodes = mismatches.map(\.node.description)
        var evidence = [syntax.link(link)]
        if let underlay = vxlan.underlayIndex, let underlayLink = index.linksByIndex[underlay] {
            evidence.append(syntax.link(underlayLink))
        }
        evidence += Self.capped(mismatches.map { "to \($0.node), main table: \(syntax.route($0.route))" }, limit: 4)
        let operatorSetting = "{interface: \(expected.name)}" + (expectedSubnet.map { " or {cidrs: [\($0)]}" } ?? "")
        let manifestSetting = "interface=\(expected.name)" + (expectedSubnet.map { " (or cidr=\($0))" } ?? "")
        add(
            Finding(
                check: .vxlanWrongInterface, object: link.name,
                summary: "\(link.name) is bound to \(bound.joined(separator: ", ")), but the kernel reaches "
                    + "\(Self.plural(nodes.count, "remote VTEP node")) (\(Self.capped(nodes, limit: 3).joined(separator: ", "))) "
                    + "through \(expected.name)",
                detail: "Felix creates \(link.name) on the interface and address Calico autodetected as the node's IP, "
                    + "and the other nodes send their VXLAN packets to that address. Here the device sends from "
                    + "\(bound.joined(separator: ", ")), while the routes to the other nodes' IPs (the FDB "
                    + "destinations) leave through \(expected.name): the outer packets go out of the wrong NIC or "
                    + "with a source the other nodes and the network do not expect, and cross-node pod traffic "
                    + "fails. Calico's autodetection (first-found) picking a public, secondary or container "
                    + "bridge interface is the usual cause.",
                evidence: evidence,
                remediation: "Pin the autodetection to the node's network: with the operator, Installation "
                    + "spec.calicoNetwork.nodeAddressAutodetectionV4: \(operatorSetting); with the manifest "
                    + "install, IP_AUTODETECTION_METHOD=\(manifestSetting) on the calico-node DaemonSet. Check the "
                    + "address Calico recorded (kubectl get node \(nodeNameInCommands) "
                    + "-o yaml | grep projectcalico.org/IPv4Address), then restart calico-node on this node so Felix "
                    + "recreates \(link.name) — \(calicoNodeCommands)."))
    }
}
