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
    /// A route was added, changed or deleted (RTM_NEWROUTE/RTM_DELROUTE). `flags` are the notification's
    /// nlmsg flags: a replaced route is announced only as a new route with `.replace` (never a delete of
    /// the old one), so the updater needs them to know something else went away.
    case route(Route, removed: Bool, flags: RouteNotificationFlags = [])
    /// An ARP/NDP entry. A `removed: true` event also comes for an entry whose new state podnetd
    /// does not report (NOARP, NONE): it leaves the snapshot just as it leaves `ip neigh show`.
    case neighbour(Neighbour, removed: Bool)
    case fdb(FDBEntry, removed: Bool)
    case rule(Rule, removed: Bool)
    /// A sysctl of the IPv4/IPv6 devconf changed (RTM_NEWNETCONF; only the changed values are present).
    case netconf(NetconfChange)
    /// A nexthop object (`ip nexthop`) was added, replaced or deleted (RTM_NEWNEXTHOP/RTM_DELNEXTHOP).
    /// The kernel changes or deletes the routes using it without route notifications, and podnetd does
    /// not model nexthop objects: always `requiresResync`.
    case nexthopObjectsChanged
    /// The kernel dropped events (ENOBUFS: the socket's receive buffer was full). The caller's state
    /// is stale: take a fresh snapshot (keeping the stream open) and continue from it.
    case overrun

    /// True when the caller's state can no longer be trusted and a fresh snapshot is needed: `.overrun`,
    /// and a change of `net.ipv4.conf.default.rp_filter` or `.proxy_arp`, which the kernel copies to
    /// every interface whose own value was never written, without a notification (and netlink does not
    /// say which interfaces those are). `SnapshotUpdater.needsResync` turns true for these.
    public var requiresResync: Bool {
        switch self {
        case .overrun, .nexthopObjectsChanged:
            return true
        case .netconf(let change):
            return change.family == .ipv4 && change.target == .default
                && (change.rpFilter != nil || change.proxyNeighbour != nil)
        default:
            return false
        }
    }
}

/// The nlmsg flags of a route notification that matter for applying it (NLM_F_REPLACE, NLM_F_APPEND,
/// NLM_F_CREATE, NLM_F_EXCL; the raw value is the `nlmsg_flags` bits).
public struct RouteNotificationFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// NLM_F_REPLACE: this route replaced an existing one, which may have had another identity.
    public static let replace = RouteNotificationFlags(rawValue: 0x100)
    /// NLM_F_EXCL: sent with `.create` for a genuinely new route.
    public static let exclusive = RouteNotificationFlags(rawValue: 0x200)
    /// NLM_F_CREATE.
    public static let create = RouteNotificationFlags(rawValue: 0x400)
    /// NLM_F_APPEND: added next to an existing route with the same FIB key (`ip route append`).
    public static let append = RouteNotificationFlags(rawValue: 0x800)

    /// The flags above taken from a message's `nlmsg_flags`.
    init(messageFlags: UInt16) { rawValue = messageFlags & 0xf00 }
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
