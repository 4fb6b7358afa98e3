import PodnetModel

/// One change the kernel announced on an rtnetlink multicast group, already parsed.
///
/// New and changed objects arrive whole (`removed: false`), so applying them in order to a snapshot
/// taken after the stream was opened reproduces the kernel's state (see `SnapshotUpdater`).
public enum NetlinkEvent: Hashable, Sendable {
    /// A link appeared or changed (RTM_NEWLINK).
    case link(Link)
    /// A link was deleted (RTM_DELLINK).
    case linkRemoved(InterfaceIndex)
    case address(Address, removed: Bool)
    case route(Route, removed: Bool)
    /// An ARP/NDP entry. A `removed: true` event also comes for an entry whose new state podnetd
    /// does not report (NOARP, NONE): it leaves the snapshot just as it leaves `ip neigh show`.
    case neighbour(Neighbour, removed: Bool)
    case fdb(FDBEntry, removed: Bool)
    case rule(Rule, removed: Bool)
    /// A sysctl of the IPv4/IPv6 devconf changed (RTM_NEWNETCONF; only the changed values are present).
    case netconf(NetconfChange)
    /// The kernel dropped events (ENOBUFS: the socket's receive buffer was full). The caller's state
    /// is stale: take a fresh snapshot (keeping the stream open) and continue from it.
    case overrun

    /// True when the caller's state can no longer be trusted and a fresh snapshot is needed: `.overrun`,
    /// and a change of `net.ipv4.conf.default.rp_filter` or `.proxy_arp`, which the kernel copies to
    /// every interface whose own value was never written, without a notification (and netlink does not
    /// say which interfaces those are). `SnapshotUpdater.needsResync` turns true for these.
    public var requiresResync: Bool {
        switch self {
        case .overrun:
            return true
        case .netconf(let change):
            return change.family == .ipv4 && change.target == .default
                && (change.rpFilter != nil || change.proxyNeighbour != nil)
        default:
            return false
        }
    }
}

/// An RTM_NEWNETCONF notification: new values of a device's (or `all`/`default`) devconf.
public struct NetconfChange: Hashable, Sendable {
    /// Which devconf the values belong to.
    public enum Target: Hashable, Sendable {
        /// `net.ipv4.conf.all` / `net.ipv6.conf.all` (NETCONFA_IFINDEX_ALL).
        case all
        /// `….conf.default` (NETCONFA_IFINDEX_DEFAULT).
        case `default`
        case interface(InterfaceIndex)
    }

    public var family: AddressFamily
    public var target: Target
    /// NETCONFA_FORWARDING, when the message carries it.
    public var forwarding: Bool?
    /// NETCONFA_RP_FILTER (IPv4 only).
    public var rpFilter: Int?
    /// NETCONFA_PROXY_NEIGH: proxy_arp (IPv4) / proxy_ndp (IPv6).
    public var proxyNeighbour: Bool?

    public init(
        family: AddressFamily, target: Target, forwarding: Bool? = nil, rpFilter: Int? = nil,
        proxyNeighbour: Bool? = nil
    ) {
        self.family = family
        self.target = target
        self.forwarding = forwarding
        self.rpFilter = rpFilter
        self.proxyNeighbour = proxyNeighbour
    }
}
