/// What the Kubernetes API says the pod network must look like: Calico's IP pools and block
/// affinities and the cluster's Nodes, reduced to the fields podnetd compares. A plain value: the
/// watcher builds a new one when the cluster changes, the analyzer reads it, `podnetd dump`
/// records it so `check --snapshot` sees what the live check saw.
public struct ClusterView: Hashable, Sendable, Codable {
    /// The Node object that is this machine (`metadata.name`).
    public var nodeName: String
    /// How `nodeName` was chosen (`config nodeName`, `NODE_NAME`, `/var/lib/calico/nodename`, `hostname`).
    public var nodeNameSource: String
    /// Where the view was read from: the API server's URL and the credentials used.
    public var source: String
    /// When the view was last known to match the API server (RFC 3339 UTC).
    public var observedAt: String
    /// Calico IPPools (`crd.projectcalico.org/v1`), sorted by name.
    public var pools: [CalicoIPPool]
    /// Calico BlockAffinities (`crd.projectcalico.org/v1`), sorted by name.
    public var blockAffinities: [CalicoBlockAffinity]
    /// The cluster's Nodes (core/v1), sorted by name.
    public var nodes: [ClusterNode]
    /// This node's labels (`metadata.labels` of the Node named `nodeName`), which the IPPools'
    /// `nodeSelector`s are evaluated against; only this node's, to keep the view small. Nil when
    /// unknown (no such Node, or a dump of an older podnetd).
    public var localNodeLabels: [String: String]?

    public init(
        nodeName: String, nodeNameSource: String = "given", source: String = "", observedAt: String = "",
        pools: [CalicoIPPool] = [], blockAffinities: [CalicoBlockAffinity] = [], nodes: [ClusterNode] = [],
        localNodeLabels: [String: String]? = nil
    ) {
        self.nodeName = nodeName
        self.nodeNameSource = nodeNameSource
        self.source = source
        self.observedAt = observedAt
        self.pools = pools
        self.blockAffinities = blockAffinities
        self.nodes = nodes
        self.localNodeLabels = localNodeLabels
    }

    /// This node's Node object, if the cluster has one of that name.
    public var localNode: ClusterNode? { nodes.first { $0.name == nodeName } }
}

/// A Calico IPPool: `spec.cidr`, `spec.blockSize`, `spec.vxlanMode`, `spec.ipipMode`,
/// `spec.disabled`, `spec.nodeSelector` (libcalico-go's `crd.projectcalico.org_ippools.yaml`).
public struct CalicoIPPool: Hashable, Sendable, Codable {
    /// `metadata.name`.
    public var name: String
    /// `spec.cidr`, canonical.
    public var cidr: IPPrefix
    /// `spec.blockSize`; nil when unset (Calico's default: 26 for IPv4, 122 for IPv6).
    public var blockSize: Int?
    /// `spec.vxlanMode`: `Never`, `Always` or `CrossSubnet`; empty when unset (Never).
    public var vxlanMode: String
    /// `spec.ipipMode`: `Never`, `Always` or `CrossSubnet`; empty when unset.
    public var ipipMode: String
    /// `spec.disabled`: IPAM assigns no new addresses from it (existing blocks stay routed).
    public var disabled: Bool
    /// `spec.nodeSelector` (`all()` by default).
    public var nodeSelector: String

    public init(
        name: String, cidr: IPPrefix, blockSize: Int? = nil, vxlanMode: String = "", ipipMode: String = "",
        disabled: Bool = false, nodeSelector: String = "all()"
    ) {
        self.name = name
        self.cidr = cidr
        self.blockSize = blockSize
        self.vxlanMode = vxlanMode
        self.ipipMode = ipipMode
        self.disabled = disabled
        self.nodeSelector = nodeSelector
    }

    /// The block size in force: `spec.blockSize`, else Calico's default for the family.
    public var effectiveBlockSize: Int { blockSize ?? (cidr.family == .ipv6 ? 122 : 26) }

    /// Whether blocks of this pool travel through the VXLAN device (always or across subnets).
    public var usesVXLAN: Bool { vxlanMode == "Always" || vxlanMode == "CrossSubnet" }
}

/// A Calico BlockAffinity: which node a block belongs to (`spec.cidr`, `spec.node`, `spec.state`,
/// `spec.deleted`; libcalico-go's `crd.projectcalico.org_blockaffinities.yaml`).
public struct CalicoBlockAffinity: Hashable, Sendable, Codable {
    /// `metadata.name` (`NODE-A-B-C-D-LEN`).
    public var name: String
    /// `spec.cidr`, canonical.
    public var cidr: IPPrefix
    /// `spec.node`.
    public var node: String
    /// `spec.state`: `confirmed`, `pending` or `pendingDeletion`.
    public var state: String
    /// `spec.deleted` (a string `"true"`/`"false"` in the v1 CRD).
    public var deleted: Bool

    public init(name: String, cidr: IPPrefix, node: String, state: String = "confirmed", deleted: Bool = false) {
        self.name = name
        self.cidr = cidr
        self.node = node
        self.state = state
        self.deleted = deleted
    }

    /// Whether the node holds the block for good: confirmed and not being deleted.
    public var isConfirmed: Bool { state == "confirmed" && !deleted }
}

/// A Node (core/v1) with the fields podnetd compares: Calico's annotations
/// (`projectcalico.org/IPv4Address`, `IPv4VXLANTunnelAddr`, `VXLANTunnelMACAddr`), its addresses,
/// pod CIDRs, pod capacity and instance type.
public struct ClusterNode: Hashable, Sendable, Codable {
    /// `metadata.name`.
    public var name: String
    /// `metadata.uid`: a re-created node gets a new one.
    public var uid: String
    /// `projectcalico.org/IPv4Address` (an address with its subnet length, as calico-node writes it).
    public var calicoIPv4Address: IPPrefix?
    /// `projectcalico.org/IPv4VXLANTunnelAddr`.
    public var vxlanTunnelAddress: IPAddress?
    /// `projectcalico.org/VXLANTunnelMACAddr`.
    public var vxlanTunnelMAC: HardwareAddress?
    /// `status.addresses` of type InternalIP.
    public var internalIPs: [IPAddress]
    /// `spec.podCIDRs` (or `spec.podCIDR`).
    public var podCIDRs: [IPPrefix]
    /// `status.capacity.pods`.
    public var capacityPods: Int?
    /// Label `node.kubernetes.io/instance-type` (or the older `beta.kubernetes.io/instance-type`).
    public var instanceType: String?
    /// `projectcalico.org/IPv6Address` (with its subnet length, as calico-node writes it).
    public var calicoIPv6Address: IPPrefix?
    /// `projectcalico.org/IPv6VXLANTunnelAddr`: the address of its `vxlan-v6.calico`.
    public var vxlanTunnelAddressV6: IPAddress?
    /// `projectcalico.org/VXLANTunnelMACAddrV6`: the MAC of its `vxlan-v6.calico`.
    public var vxlanTunnelMACV6: HardwareAddress?

    public init(
        name: String, uid: String = "", calicoIPv4Address: IPPrefix? = nil, vxlanTunnelAddress: IPAddress? = nil,
        vxlanTunnelMAC: HardwareAddress? = nil, internalIPs: [IPAddress] = [], podCIDRs: [IPPrefix] = [],
        capacityPods: Int? = nil, instanceType: String? = nil, calicoIPv6Address: IPPrefix? = nil,
        vxlanTunnelAddressV6: IPAddress? = nil, vxlanTunnelMACV6: HardwareAddress? = nil
    ) {
        self.name = name
        self.uid = uid
        self.calicoIPv4Address = calicoIPv4Address
        self.vxlanTunnelAddress = vxlanTunnelAddress
        self.vxlanTunnelMAC = vxlanTunnelMAC
        self.internalIPs = internalIPs
        self.podCIDRs = podCIDRs
        self.capacityPods = capacityPods
        self.instanceType = instanceType
        self.calicoIPv6Address = calicoIPv6Address
        self.vxlanTunnelAddressV6 = vxlanTunnelAddressV6
        self.vxlanTunnelMACV6 = vxlanTunnelMACV6
    }

    /// The address Felix sends this node's VXLAN packets to: its Calico IPv4 address, else its
    /// first IPv4 InternalIP.
    public var vxlanUnderlayAddress: IPAddress? {
        calicoIPv4Address?.address ?? internalIPs.first { $0.family == .ipv4 }
    }

    /// The node's address of a family as Felix takes it for routes and VXLAN: its Calico address
    /// annotation (`projectcalico.org/IPv4Address` or `IPv6Address`), else its first InternalIP of
    /// that family.
    public func underlayAddress(_ family: AddressFamily) -> IPAddress? {
        family == .ipv6
            ? calicoIPv6Address?.address ?? internalIPs.first { $0.family == .ipv6 } : vxlanUnderlayAddress
    }

    /// The node's VXLAN tunnel endpoint of a family: tunnel address, MAC and the address the FDB
    /// entry sends to; nil unless the tunnel address (of that family) and the MAC are annotated.
    public func vtep(_ family: AddressFamily) -> (tunnelIP: IPAddress, mac: HardwareAddress, underlay: IPAddress?)? {
        let tunnel = family == .ipv6 ? vxlanTunnelAddressV6 : vxlanTunnelAddress
        let mac = family == .ipv6 ? vxlanTunnelMACV6 : vxlanTunnelMAC
        guard let tunnel, tunnel.family == family, let mac else { return nil }
        return (tunnel, mac, underlayAddress(family))
    }
}
