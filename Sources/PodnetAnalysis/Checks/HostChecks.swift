import PodnetModel

extension Analysis {
    /// IP forwarding, pod CIDR overlaps, reverse-path filtering, neighbour and conntrack table pressure.
    func checkHost() {
        checkForwarding()
        checkPodCIDROverlap()
        if mode == .awsVPCCNI { checkRPFilter() }
        checkNeighbourTablePressure()
        checkConntrackPressure()
    }

    /// Whether IPv6 pods are in use: an IPv6 pool, the IPv6 VXLAN device, or IPv6 workload routes.
    private var usesIPv6Pods: Bool {
        if hasConfiguredPool(.ipv6) || index.linksByName[expectations.calico.vxlanDeviceV6] != nil { return true }
        for routes in index.workloadRoutes.values where routes.contains(where: { $0.family == .ipv6 }) {
            return true
        }
        return false
    }

    private func checkForwarding() {
        let host = snapshot.host
        if host.ipv4Forwarding == false {
            add(forwardingFinding(sysctl: "net.ipv4.ip_forward", version: "IPv4"))
        } else if host.ipv4Forwarding == true {
            checkInterfaceForwarding()
        }
        if host.ipv6Forwarding == false, usesIPv6Pods {
            add(forwardingFinding(sysctl: "net.ipv6.conf.all.forwarding", version: "IPv6"))
        }
    }

    private func forwardingFinding(sysctl: String, version: String) -> Finding {
        Finding(
            check: .ipForwardingDisabled, object: sysctl, summary: "\(version) forwarding is off (\(sysctl) = 0)",
            detail: "Every packet from a pod to another node or to the outside, and every packet to a pod, is "
                + "forwarded by this node's kernel. With \(sysctl) = 0 the node drops them: pods here reach "
                + "neither pods on other nodes nor Services backed by them, and nothing outside reaches these "
                + "pods. kubelet's prerequisites and the CNI set it to 1; something turned it off since (a sysctl.d "
                + "file, a hardening tool, a network service restart).",
            evidence: ["sysctl \(sysctl) = 0"],
            remediation: "Now: sysctl -w \(sysctl)=1. Persist it: echo '\(sysctl) = 1' > "
                + "/etc/sysctl.d/99-kubernetes.conf, and find what turns it off (grep -r forward /etc/sysctl.conf "
                + "/etc/sysctl.d /usr/lib/sysctl.d /run/sysctl.d; IPForward= in systemd-networkd .network files).")
    }

    /// With forwarding on globally, an interface that packets to pods enter must forward too.
    private func checkInterfaceForwarding() {
        var candidates: [Link] = []
        for name in [expectations.calico.vxlanDevice, expectations.calico.vxlanDeviceV6] {
            if let link = index.linksByName[name] { candidates.append(link) }
        }
        for device in index.defaultRouteDevices.sorted() {
            if let link = index.linksByIndex[device] { candidates.append(link) }
        }
        candidates.append(contentsOf: index.workloadLinks)
        var seen: Set<InterfaceIndex> = []
        for link in candidates where seen.insert(link.index).inserted && link.ipv4?.forwarding == false {
            let sysctl = "net.ipv4.conf.\(link.name).forwarding"
            add(
                Finding(
                    check: .ipForwardingDisabled, object: sysctl,
                    summary: "IPv4 forwarding is off on \(link.name) (\(sysctl) = 0)",
                    detail: "IPv4 forwarding is on for the node, but the kernel decides per incoming interface, and "
                        + "\(link.name) has it off: packets that enter through \(link.name) and must be routed on "
                        + "(to a pod, to another node, out of the node) are dropped.",
                    evidence: ["sysctl net.ipv4.ip_forward = 1", "sysctl \(sysctl) = 0", syntax.link(link)],
                    remediation: "sysctl -w \(sysctl)=1; setting net.ipv4.ip_forward=1 again resets every "
                        + "interface. Find what turned it off (sysctl.d files, network manager settings)."))
        }
    }

    /// Devices whose addresses belong to the pod network, not to the host's subnets.
    private func isPodNetworkDevice(_ link: Link) -> Bool {
        if index.workloadKinds[link.index] != nil { return true }
        let names: Set<String> = [
            "lo", "tunl0", expectations.calico.vxlanDevice, expectations.calico.vxlanDeviceV6, "cni0", "cnio0", "cbr0",
            "kube-bridge", "flannel.1", "kube-ipvs0", "nodelocaldns",
        ]
        return names.contains(link.name) || link.flags.contains(.loopback)
    }

    private func checkPodCIDROverlap() {
        var hostAddresses: [Address] = []
        if mode.hasOwnPodNetwork {
            for address in snapshot.addresses {
                guard address.scope == .universe, !address.prefix.isHost,
                    let link = index.linksByIndex[address.interfaceIndex], !isPodNetworkDevice(link)
                else { continue }
                hostAddresses.append(address)
            }
        }
        let services = Self.unique(expectations.serviceCIDRs.map(\.network))
        if podCIDRs.isEmpty, mode == .calicoVXLAN {
            checkObservedBlocksOverlap(hostAddresses: hostAddresses, services: services)
            return
        }
        for pool in podCIDRs {
            let addresses = hostAddresses.filter { $0.prefix.network.overlaps(pool) }
            let serviceOverlaps = services.filter { $0.overlaps(pool) }
            guard !addresses.isEmpty || !serviceOverlaps.isEmpty else { continue }
            var with: [String] = []
            for address in addresses {
                with.append("\(address.prefix.network) on \(index.name(address.interfaceIndex))")
            }
            for service in serviceOverlaps { with.append("the service CIDR \(service)") }
            let source = podCIDRsSource == "config" ? "pod CIDR" : "pod CIDR (\(podCIDRsSource))"
            add(
                overlapFinding(
                    object: pool.description, summary: "\(source) \(pool) overlaps " + with.joined(separator: ", "),
                    evidence: addresses.map(syntax.address) + serviceOverlaps.map { "serviceCIDR \($0) (config)" }))
        }
    }

    /// Without configured pools: Calico's observed blocks (local blackholes, routes through the
    /// tunnel) against the host subnets and the service CIDR, one finding per colliding subnet.
    private func checkObservedBlocksOverlap(hostAddresses: [Address], services: [IPPrefix]) {
        var targets: [(prefix: IPPrefix, label: String, evidence: String)] = hostAddresses.map {
            ($0.prefix.network, "\($0.prefix.network) on \(index.name($0.interfaceIndex))", syntax.address($0))
        }
        targets += services.map { ($0, "the service CIDR \($0)", "serviceCIDR \($0) (config)") }
        guard !targets.isEmpty else { return }
        var hits = [[Route]](repeating: [], count: targets.count)
        func consider(_ route: Route) {
            for (offset, target) in targets.enumerated() where target.prefix.overlaps(route.destination) {
                hits[offset].append(route)
            }
        }
        for route in index.felixBlackholes { consider(route) }
        for positions in index.routesViaVXLAN.values {
            for position in positions { consider(snapshot.routes[position]) }
        }
        var reported: Set<IPPrefix> = []
        for (offset, target) in targets.enumerated()
        where !hits[offset].isEmpty && reported.insert(target.prefix).inserted {
            let routes = hits[offset].sorted { $0.destination < $1.destination }
            let blocks = routes.map(\.destination.network.description)
            add(
                overlapFinding(
                    object: target.prefix.description,
                    summary:
                        "Calico \(Self.plural(blocks.count, "block")) (\(Self.capped(blocks, limit: 3).joined(separator: ", "))) "
                        + "\(blocks.count == 1 ? "overlaps" : "overlap") \(target.label)",
                    evidence: [target.evidence] + Self.capped(routes.map(syntax.route))))
        }
    }

    private func overlapFinding(object: String, summary: String, evidence: [String]) -> Finding {
        Finding(
            check: .podCIDROverlap, object: object, summary: summary,
            detail: "Pod addresses must be unique across the node's networks. Where a pod CIDR overlaps a "
                + "subnet the host is attached to, the kernel has two routes for the same addresses: "
                + "traffic for pods leaves through the host interface (or host traffic is sent into the pod "
                + "network), so pods or hosts in the overlap are unreachable. Where it overlaps the service "
                + "CIDR, kube-proxy's rules capture traffic meant for pods with those IPs."
                + (mode == .awsVPCCNI
                    ? " (With the VPC CNI pods live in the VPC's subnets by design; "
                        + "only the service CIDR is checked.)" : ""),
            evidence: evidence,
            remediation: "Pick non-overlapping ranges: a Calico IP pool (calicoctl get ippools; create a new "
                + "pool, migrate pods, disable the old one), the cluster's pod CIDR (kube-controller-manager "
                + "--cluster-cidr) or the service CIDR (--service-cluster-ip-range, fixed at cluster "
                + "creation). If podnetd's podCIDRs/serviceCIDR are wrong, correct them.")
    }
}
