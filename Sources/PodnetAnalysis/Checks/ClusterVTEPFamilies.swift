import PodnetModel

/// The Node annotations that carry a family's VTEP, as libcalico-go's Kubernetes backend names them
/// (libcalico-go/lib/backend/k8s/resources/node.go): IPv4 `projectcalico.org/IPv4Address`,
/// `IPv4VXLANTunnelAddr`, `VXLANTunnelMACAddr`; IPv6 `projectcalico.org/IPv6Address`,
/// `IPv6VXLANTunnelAddr`, `VXLANTunnelMACAddrV6`. Felix programs the IPv6 VTEPs on
/// `vxlan-v6.calico` (felix/dataplane/linux/dataplanedefs/dataplane_defs.go) exactly as the IPv4
/// ones: route `BLOCK via TUNNEL_IPV6 dev vxlan-v6.calico`, a permanent neighbour tunnel IPv6 →
/// MAC V6 and an FDB entry MAC V6 → the node's IPv6 address (felix/dataplane/linux/vxlan_mgr.go).
struct ClusterVTEPAnnotations {
    /// `IPv4` or `IPv6`.
    let version: String
    /// The node address annotation.
    let address: String
    /// The tunnel address annotation.
    let tunnelAddress: String
    /// The tunnel MAC annotation.
    let mac: String
    /// The MAC annotation without its `projectcalico.org/` prefix.
    var shortMAC: String { String(mac.dropFirst("projectcalico.org/".count)) }

    init(_ family: AddressFamily) {
        if family == .ipv6 {
            version = "IPv6"
            address = "projectcalico.org/IPv6Address"
            tunnelAddress = "projectcalico.org/IPv6VXLANTunnelAddr"
            mac = "projectcalico.org/VXLANTunnelMACAddrV6"
        } else {
            version = "IPv4"
            address = "projectcalico.org/IPv4Address"
            tunnelAddress = "projectcalico.org/IPv4VXLANTunnelAddr"
            mac = "projectcalico.org/VXLANTunnelMACAddr"
        }
    }
}

extension Analysis {
    /// The families whose VTEPs the cluster says this node must have programmed: IPv4 always (as
    /// before), IPv6 only when the view has an IPv6 pool with VXLAN (Always or CrossSubnet), or — with
    /// no pools in the view — IPv6 block affinities. A cluster without IPv6 VXLAN asks for nothing on
    /// `vxlan-v6.calico`.
    func clusterVTEPFamilies(_ view: ClusterView) -> [AddressFamily] { Self.clusterVTEPFamilies(view) }

    /// `clusterVTEPFamilies` without an analysis (the expectation sources name them too).
    static func clusterVTEPFamilies(_ view: ClusterView) -> [AddressFamily] {
        let ipv6 =
            view.pools.isEmpty
            ? view.blockAffinities.contains { $0.cidr.family == .ipv6 }
            : view.pools.contains { $0.cidr.family == .ipv6 && $0.usesVXLAN }
        return ipv6 ? [.ipv4, .ipv6] : [.ipv4]
    }

    /// Whether the cluster's pools of `family` carry VXLAN (Always or CrossSubnet): Felix creates a
    /// family's VXLAN device only then (felix/calc/encapsulation_resolver.go), so an IPv6 pool with
    /// vxlanMode Never asks for no `vxlan-v6.calico`. True without a view, or when it has no pools of
    /// the family (the config's pod CIDRs then speak alone).
    func clusterPoolsUseVXLAN(_ family: AddressFamily) -> Bool {
        guard let pools = cluster?.pools.filter({ $0.cidr.family == family }), !pools.isEmpty else { return true }
        return pools.contains(where: \.usesVXLAN)
    }
}
