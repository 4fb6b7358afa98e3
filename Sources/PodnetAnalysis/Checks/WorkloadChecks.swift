import PodnetModel

extension Analysis {
    /// Workload veths and their /32 (/128) routes, for any CNI.
    func checkWorkloads() {
        let node = nodeNameInCommands
        let podsOnNode = "kubectl get pods -A -o wide --field-selector spec.nodeName=\(node)"
        for link in index.workloadLinks {
            let routes = index.workloadRoutes[link.index] ?? []
            let cni = index.workloadKinds[link.index] == .eni ? "the VPC CNI (aws-node)" : "Calico's CNI plugin"
            if routes.isEmpty {
                guard link.isAdminUp else {
                    reportAdministrativelyDown(link, cni: cni, podsOnNode: podsOnNode)
                    continue
                }
                add(
                    Finding(
                        check: .workloadRouteMissing, object: link.name,
                        summary: "\(link.name) is up but no /32 route leads to it",
                        detail: "\(link.name) is the host side of a pod's veth. The pod is reachable only through a "
                            + "host route `POD_IP dev \(link.name) scope link`, which \(cni) adds when the pod "
                            + "starts. Without it nothing — other pods, the node, Services — can reach the pod, while "
                            + "the pod itself can still send. Either the route was deleted, the CNI failed half-way "
                            + "through adding the pod, or the pod is gone and its veth was left behind.",
                        evidence: [syntax.link(link)],
                        remediation: "Find the pod (its IP is in the pod's status: \(podsOnNode)) and recreate it "
                            + "(kubectl delete pod …) so the CNI sets it up again. If no pod owns the veth, it is a "
                            + "leftover: ip link delete \(link.name)."))
            } else if !link.isUsable {
                let state = link.isAdminUp ? "has no carrier (the pod side is down)" : "is administratively down"
                add(
                    Finding(
                        // Administratively down, nothing brings it back by itself (see below); no
                        // carrier is mostly a pod being torn down.
                        check: .workloadInterfaceDown, severity: link.isAdminUp ? .warning : .critical,
                        object: link.name,
                        summary: "\(link.name) \(state), but \(Self.plural(routes.count, "route")) "
                            + "\(routes.count == 1 ? "leads" : "lead") to it",
                        detail: "Traffic for the pod behind \(link.name) is routed to the veth, but the veth "
                            + "\(state), so the kernel drops it: the pod is unreachable. Usually the pod is "
                            + "terminating or its network namespace is gone and the veth was left behind.",
                        evidence: [syntax.link(link)] + Self.capped(routes.map(syntax.route), limit: 4),
                        remediation: "Find the pod by IP (\(podsOnNode)); if it exists, recreate it; if not, the "
                            + "veth and routes are leftovers the CNI failed to delete: ip link delete \(link.name)."))
            }
        }
        checkWorkloadProxyARP()
        checkWorkloadPools()
    }

    /// A workload veth set administratively down (`ip link set caliX down`): the kernel deletes
    /// every route through a device that goes down, so the pod's `/32 dev caliX` route is gone and
    /// the veth looks like one without routes. Critical, as a missing route is: the pod is cut off,
    /// and it stays so — nothing sets the link up again by itself.
    private func reportAdministrativelyDown(_ link: Link, cni: String, podsOnNode: String) {
        let calico = index.workloadKinds[link.index] == .calico
        let restore =
            calico
            ? "Felix (calico-node) rescans an interface's routes when it comes up and adds the pod's route "
                + "again: check with ip route show dev \(link.name) a few seconds later; if it stays empty, "
                + "recreate the pod (kubectl delete pod …)."
            : "The VPC CNI adds the pod's route only when the pod starts, so setting the link up does not "
                + "restore it: recreate the pod (kubectl delete pod …) so the CNI sets it up again."
        add(
            Finding(
                check: .workloadInterfaceDown, severity: .critical, object: link.name,
                summary: "\(link.name) is administratively down: its pod is unreachable",
                detail: "\(link.name) is the host side of a pod's veth, and it is administratively down (someone "
                    + "or something ran ip link set \(link.name) down). When a device goes down the kernel "
                    + "deletes every route through it, so the pod's host route `POD_IP dev \(link.name) scope "
                    + "link`, which \(cni) added when the pod started, is gone as well: nothing — other pods, the "
                    + "node, Services — can reach the pod, and the pod cannot send either. Setting the link up "
                    + "again does not bring the route back by itself.",
                evidence: [syntax.link(link)],
                remediation: "Find the pod (\(podsOnNode); the CNI's log names the interface) and set the link up: "
                    + "ip link set \(link.name) up. \(restore) Then find what set it down: a network manager "
                    + "that manages cali*/eni* interfaces (tell NetworkManager or systemd-networkd to leave "
                    + "them unmanaged), a script, or a person. If no pod owns the veth, it is a leftover: ip "
                    + "link delete \(link.name)."))
    }

    /// Calico pods route everything to 169.254.1.1, an address nobody holds: the host veth answers
    /// the pod's ARP for it only with proxy ARP on (Felix sets it).
    private func checkWorkloadProxyARP() {
        for link in index.workloadLinks where index.workloadKinds[link.index] == .calico && link.isAdminUp {
            guard let ipv4 = link.ipv4, !ipv4.proxyARP else { continue }
            add(
                Finding(
                    check: .workloadProxyARPOff, object: link.name,
                    summary: "proxy ARP is off on \(link.name): its pod cannot reach its gateway",
                    detail: "A Calico pod's default route is `default via 169.254.1.1 dev eth0`; no interface holds "
                        + "169.254.1.1, and the host side of the veth answers the pod's ARP request for it because "
                        + "Felix turns proxy_arp on. With net.ipv4.conf.\(link.name).proxy_arp = 0 the pod cannot "
                        + "resolve its gateway, so every packet it sends off its own address is dropped.",
                    evidence: [syntax.link(link)],
                    remediation: "Now: sysctl -w net.ipv4.conf.\(link.name).proxy_arp=1. Felix sets it when it "
                        + "configures the interface: check calico-node's log on this node and restart it; look for "
                        + "a sysctl.d file or tool that resets net.ipv4.conf.*.proxy_arp."))
        }
    }

    /// Workload IPs must lie inside a configured pod CIDR of their family.
    private func checkWorkloadPools() {
        guard !configuredPools.isEmpty else { return }
        var outside: [(IPAddress, Route)] = []
        for link in index.workloadLinks {
            for route in index.workloadRoutes[link.index] ?? [] {
                guard hasConfiguredPool(route.family), configuredPool(containing: route.destination) == nil else {
                    continue
                }
                outside.append((route.destination.address, route))
            }
        }
        var seen: Set<IPAddress> = []
        for (address, route) in outside.sorted(by: { $0.0 < $1.0 }) where seen.insert(address).inserted {
            let pools = configuredPools.filter { $0.family == address.family }.map(\.description)
            add(
                Finding(
                    check: .workloadIPOutsidePool, object: address.description,
                    summary: "workload IP \(address) is outside the pod CIDRs (\(pools.joined(separator: ", ")))",
                    detail: "A pod on this node has \(address), which lies in none of the configured pod CIDRs. Other "
                        + "nodes route only the pod CIDRs to pods, so replies to this pod may never come back; "
                        + "firewall rules and network policies written for the pod CIDRs miss it. Either the pod "
                        + "got its address from a pool podnetd does not know (update podCIDRs), or from a pool that "
                        + "was removed.",
                    evidence: [syntax.route(route)],
                    remediation: "Compare with the cluster's pools (calicoctl get ippools -o wide, or the VPC subnets "
                        + "with the VPC CNI) and update podCIDRs in podnetd's config if they changed; otherwise "
                        + "recreate the pod so it gets an address from a current pool."))
        }
    }
}
