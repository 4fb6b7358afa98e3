/// Namespace-wide settings read over netlink (netconf `all` and `default` entries, the neighbour
/// tables), not /proc — except the conntrack usage, which only /proc/sys/net/netfilter shows without
/// privileges (hidden under the unit's ProcSubset=pid: the daemon's snapshots lack it).
public struct HostSettings: Hashable, Sendable, Codable {
    /// net.ipv4.conf.all.forwarding (= net.ipv4.ip_forward).
    public var ipv4Forwarding: Bool?
    /// net.ipv4.conf.all.rp_filter.
    public var ipv4RPFilterAll: Int?
    /// net.ipv4.conf.default.rp_filter.
    public var ipv4RPFilterDefault: Int?
    /// net.ipv6.conf.all.forwarding.
    public var ipv6Forwarding: Bool?
    /// The IPv4 neighbour (ARP) table's size and GC thresholds (RTM_GETNEIGHTBL `arp_cache`); nil in
    /// dumps that predate it.
    public var ipv4NeighbourTable: NeighbourTableUsage?
    /// The IPv6 neighbour (NDP) table's (`ndisc_cache`); nil without IPv6 or in older dumps.
    public var ipv6NeighbourTable: NeighbourTableUsage?
    /// nf_conntrack_count and nf_conntrack_max of the namespace; nil when conntrack is not loaded (or
    /// in older dumps).
    public var conntrack: ConntrackUsage?

    public init(
        ipv4Forwarding: Bool? = nil, ipv4RPFilterAll: Int? = nil, ipv4RPFilterDefault: Int? = nil,
        ipv6Forwarding: Bool? = nil, ipv4NeighbourTable: NeighbourTableUsage? = nil,
        ipv6NeighbourTable: NeighbourTableUsage? = nil, conntrack: ConntrackUsage? = nil
    ) {
        self.ipv4Forwarding = ipv4Forwarding
        self.ipv4RPFilterAll = ipv4RPFilterAll
        self.ipv4RPFilterDefault = ipv4RPFilterDefault
        self.ipv6Forwarding = ipv6Forwarding
        self.ipv4NeighbourTable = ipv4NeighbourTable
        self.ipv6NeighbourTable = ipv6NeighbourTable
        self.conntrack = conntrack
    }

    /// The neighbour table of a family.
    public func neighbourTable(_ family: AddressFamily) -> NeighbourTableUsage? {
        family == .ipv6 ? ipv6NeighbourTable : ipv4NeighbourTable
    }
}
