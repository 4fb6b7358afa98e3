/// A route from any table, as `ip route show table all` reports it.
public struct Route: Hashable, Sendable, Codable {
    public var family: AddressFamily
    public var table: RouteTable
    public var type: RouteType
    public var protocol_: RouteProtocol
    public var scope: RouteScope
    public var destination: IPPrefix
    /// RTA_SRC (`from` selector of source-specific IPv6 routes).
    public var source: IPPrefix?
    /// RTA_PREFSRC (`src` in `ip route`).
    public var preferredSource: IPAddress?
    /// RTA_PRIORITY (`metric`); 0 when the kernel sent none.
    public var priority: UInt32
    public var tos: UInt8
    /// Every next hop: one for a plain route, several for multipath, none for blackhole.
    public var nextHops: [NextHop]

    enum CodingKeys: String, CodingKey {
        case family, table, type, protocol_ = "protocol", scope, destination, source, preferredSource, priority, tos,
            nextHops
    }

    public init(
        family: AddressFamily? = nil, table: RouteTable = .main, type: RouteType = .unicast,
        protocol_: RouteProtocol = .boot, scope: RouteScope = .universe, destination: IPPrefix,
        source: IPPrefix? = nil, preferredSource: IPAddress? = nil, priority: UInt32 = 0, tos: UInt8 = 0,
        nextHops: [NextHop] = []
    ) {
        self.family = family ?? destination.family
        self.table = table
        self.type = type
        self.protocol_ = protocol_
        self.scope = scope
        self.destination = destination
        self.source = source
        self.preferredSource = preferredSource
        self.priority = priority
        self.tos = tos
        self.nextHops = nextHops
    }

    /// The gateway of the first next hop.
    public var gateway: IPAddress? { nextHops.first?.gateway }

    /// The device of the first next hop.
    public var interfaceIndex: InterfaceIndex? { nextHops.first?.interfaceIndex }
}

/// One next hop of a route.
public struct NextHop: Hashable, Sendable, Codable {
    public var gateway: IPAddress?
    public var interfaceIndex: InterfaceIndex?
    public var flags: NextHopFlags
    /// Multipath weight as `ip` prints it (1 for single-path routes).
    public var weight: Int

    public init(gateway: IPAddress? = nil, interfaceIndex: InterfaceIndex? = nil, flags: NextHopFlags = [], weight: Int = 1) {
        self.gateway = gateway
        self.interfaceIndex = interfaceIndex
        self.flags = flags
        self.weight = weight
    }

    public var isOnlink: Bool { flags.contains(.onlink) }
}

/// RTNH_F_* next-hop flags.
public struct NextHopFlags: NamedFlags {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let dead = NextHopFlags(rawValue: 0x1)
    public static let onlink = NextHopFlags(rawValue: 0x4)
    public static let linkDown = NextHopFlags(rawValue: 0x10)

    public static let bitNames: [(UInt8, String)] = [
        (0x1, "dead"), (0x2, "pervasive"), (0x4, "onlink"), (0x8, "offload"), (0x10, "linkdown"),
        (0x20, "unresolved"), (0x40, "trap"),
    ]
}

/// A routing table id (`main` 254, `local` 255, or any number).
public struct RouteTable: NamedValue, Comparable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { self.rawValue = value }

    public static let main = RouteTable(rawValue: 254)
    public static let local = RouteTable(rawValue: 255)
    public static let `default` = RouteTable(rawValue: 253)

    public static let valueNames: [(UInt32, String)] = [(0, "unspec"), (253, "default"), (254, "main"), (255, "local")]

    public static func < (lhs: RouteTable, rhs: RouteTable) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// RTN_* route type.
public struct RouteType: NamedValue {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let unicast = RouteType(rawValue: 1)
    public static let local = RouteType(rawValue: 2)
    public static let broadcast = RouteType(rawValue: 3)
    public static let anycast = RouteType(rawValue: 4)
    public static let multicast = RouteType(rawValue: 5)
    public static let blackhole = RouteType(rawValue: 6)
    public static let unreachable = RouteType(rawValue: 7)
    public static let prohibit = RouteType(rawValue: 8)
    public static let `throw` = RouteType(rawValue: 9)

    public static let valueNames: [(UInt8, String)] = [
        (0, "none"), (1, "unicast"), (2, "local"), (3, "broadcast"), (4, "anycast"), (5, "multicast"),
        (6, "blackhole"), (7, "unreachable"), (8, "prohibit"), (9, "throw"), (10, "nat"), (11, "xresolve"),
    ]
}

/// RTPROT_* route protocol (who installed the route; Calico's Felix uses 80).
public struct RouteProtocol: NamedValue {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let kernel = RouteProtocol(rawValue: 2)
    public static let boot = RouteProtocol(rawValue: 3)
    public static let `static` = RouteProtocol(rawValue: 4)
    /// Calico Felix's default `RouteRefreshProtocol`.
    public static let felix = RouteProtocol(rawValue: 80)
    /// BIRD, Calico's BGP daemon (routes of BGP-mode nodes).
    public static let bird = RouteProtocol(rawValue: 12)

    public static let valueNames: [(UInt8, String)] = [
        (0, "unspec"), (1, "redirect"), (2, "kernel"), (3, "boot"), (4, "static"), (8, "gated"), (9, "ra"),
        (10, "mrt"), (11, "zebra"), (12, "bird"), (13, "dnrouted"), (14, "xorp"), (15, "ntk"), (16, "dhcp"),
        (42, "babel"), (186, "bgp"), (187, "isis"), (188, "ospf"), (189, "rip"), (192, "eigrp"),
    ]
}

/// RT_SCOPE_* scope of a route or address.
public struct RouteScope: NamedValue {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let universe = RouteScope(rawValue: 0)
    public static let site = RouteScope(rawValue: 200)
    public static let link = RouteScope(rawValue: 253)
    public static let host = RouteScope(rawValue: 254)
    public static let nowhere = RouteScope(rawValue: 255)

    public static let valueNames: [(UInt8, String)] = [
        (0, "global"), (200, "site"), (253, "link"), (254, "host"), (255, "nowhere"),
    ]
}
