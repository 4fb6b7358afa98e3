import PodnetModel

extension Analysis {
    /// Each expected pod-CIDR route must be in the main table via its node's IP.
    func checkHostGW() {
        var seen: Set<IPPrefix> = []
        let expected = expectations.hostGW.expectedRoutes.sorted {
            ($0.cidr.network, $0.gateway) < ($1.cidr.network, $1.gateway)
        }
        for route in expected {
            let cidr = route.cidr.network
            guard seen.insert(cidr).inserted else { continue }
            let candidates = index.watchedRoutes(cidr).filter { $0.table == .main }
            if candidates.contains(where: { candidate in
                candidate.type == .unicast && candidate.nextHops.contains { $0.gateway == route.gateway }
            }) {
                continue
            }
            let problem: String
            if let other = candidates.first {
                if other.type != .unicast {
                    problem = "is a \(other.type) route"
                } else if let gateway = other.gateway {
                    problem = "goes via \(gateway)"
                } else {
                    problem = "goes directly out of \(other.interfaceIndex.map(index.name) ?? "an interface")"
                }
            } else {
                problem = "is missing"
            }
            let onLink = snapshot.addresses.contains {
                $0.scope == .universe && !$0.prefix.isHost && $0.prefix.network.contains(route.gateway)
            }
            add(
                Finding(
                    check: .hostRouteMissing, object: cidr.description,
                    summary: "route \(cidr) via \(route.gateway) \(problem)",
                    detail: "With host-gw routing each node's pod CIDR is reached via that node's IP: this node needs "
                        + "`\(cidr) via \(route.gateway)`. Here the route \(problem), so traffic from this node and its "
                        + "pods to the pods in \(cidr) "
                        + (candidates.isEmpty ? "follows the default route and is lost" : "goes to the wrong place")
                        + ": those pods are unreachable from here."
                        + (onLink
                            ? ""
                            : " \(route.gateway) is not in any subnet of this node, so the route needs "
                                + "`onlink` or the gateway is wrong."),
                    evidence: candidates.map(syntax.route),
                    remediation: "Add it: ip route replace \(cidr) via \(route.gateway) — and persist it where this "
                        + "cluster's routes are managed (the routes controller, systemd-networkd/netplan, or the "
                        + "provisioning scripts, as Kubernetes the Hard Way does). If the node at \(route.gateway) or its "
                        + "pod CIDR changed, update hostGW.expectedRoutes."))
        }
    }
}
