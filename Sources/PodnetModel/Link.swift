/// A network interface as `ip -d link show` reports it.
public struct Link: Hashable, Sendable, Codable {
    public var index: InterfaceIndex
    public var name: String
    /// `vxlan`, `veth`, `bridge`, …; `device` for physical and other kind-less links.
    public var kind: String
    public var flags: LinkFlags
    public var operState: OperState
    public var mtu: UInt32
    public var mac: HardwareAddress?
    /// IFLA_LINK: the peer of a veth, the underlay of some tunnels.
    public var parentIndex: InterfaceIndex?
    /// IFLA_LINK_NETNSID: set when `parentIndex` lives in another namespace.
    public var parentNetnsID: Int32?
    public var masterIndex: InterfaceIndex?
    public var vxlan: VXLANInfo?
    public var ipv4: IPv4DeviceSettings?
    public var ipv6: IPv6DeviceSettings?
    /// Offload features (ethtool), read for VXLAN devices only; nil for other links and in older dumps.
    public var offloads: LinkOffloads?

    public init(
        index: InterfaceIndex, name: String, kind: String = "device", flags: LinkFlags = [.up, .lowerUp],
        operState: OperState = .up, mtu: UInt32 = 1500, mac: HardwareAddress? = nil,
        parentIndex: InterfaceIndex? = nil, parentNetnsID: Int32? = nil, masterIndex: InterfaceIndex? = nil,
        vxlan: VXLANInfo? = nil, ipv4: IPv4DeviceSettings? = nil, ipv6: IPv6DeviceSettings? = nil,
        offloads: LinkOffloads? = nil
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.flags = flags
        self.operState = operState
        self.mtu = mtu
        self.mac = mac
        self.parentIndex = parentIndex
        self.parentNetnsID = parentNetnsID
        self.masterIndex = masterIndex
        self.vxlan = vxlan
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.offloads = offloads
    }

    /// Administratively up (`ip link set … up`).
    public var isAdminUp: Bool { flags.contains(.up) }

    /// Up and with carrier: able to pass traffic.
    public var isUsable: Bool { flags.contains(.up) && flags.contains(.lowerUp) }
}

/// VXLAN attributes of a `kind vxlan` link.
public struct VXLANInfo: Hashable, Sendable, Codable {
    public var vni: UInt32
    /// UDP destination port (IFLA_VXLAN_PORT).
    public var port: UInt16
    public var local: IPAddress?
    /// The underlay device (IFLA_VXLAN_LINK).
    public var underlayIndex: InterfaceIndex?
    public var learning: Bool

    public init(vni: UInt32, port: UInt16, local: IPAddress? = nil, underlayIndex: InterfaceIndex? = nil, learning: Bool) {
        self.vni = vni
        self.port = port
        self.local = local
        self.underlayIndex = underlayIndex
        self.learning = learning
    }
}

/// Per-interface IPv4 settings (the link's AF_INET devconf).
public struct IPv4DeviceSettings: Hashable, Sendable, Codable {
    public var forwarding: Bool
    /// 0 off, 1 strict, 2 loose.
    public var rpFilter: Int
    public var proxyARP: Bool

    public init(forwarding: Bool, rpFilter: Int, proxyARP: Bool) {
        self.forwarding = forwarding
        self.rpFilter = rpFilter
        self.proxyARP = proxyARP
    }
}

/// Per-interface IPv6 settings (netconf AF_INET6).
public struct IPv6DeviceSettings: Hashable, Sendable, Codable {
    public var forwarding: Bool

    public init(forwarding: Bool) { self.forwarding = forwarding }
}

/// IFF_* interface flags.
public struct LinkFlags: NamedFlags {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let up = LinkFlags(rawValue: 0x1)
    public static let broadcast = LinkFlags(rawValue: 0x2)
    public static let loopback = LinkFlags(rawValue: 0x8)
    public static let pointToPoint = LinkFlags(rawValue: 0x10)
    public static let noARP = LinkFlags(rawValue: 0x80)
    public static let promiscuous = LinkFlags(rawValue: 0x100)
    public static let multicast = LinkFlags(rawValue: 0x1000)
    public static let lowerUp = LinkFlags(rawValue: 0x10000)
    public static let dormant = LinkFlags(rawValue: 0x20000)

    public static let bitNames: [(UInt32, String)] = [
        (0x8, "LOOPBACK"), (0x2, "BROADCAST"), (0x10, "POINTOPOINT"), (0x1000, "MULTICAST"), (0x80, "NOARP"),
        (0x200, "ALLMULTI"), (0x100, "PROMISC"), (0x400, "MASTER"), (0x800, "SLAVE"), (0x4, "DEBUG"),
        (0x8000, "DYNAMIC"), (0x40000, "ECHO"), (0x1, "UP"), (0x10000, "LOWER_UP"), (0x20000, "DORMANT"),
        (0x20, "NOTRAILERS"), (0x40, "RUNNING"), (0x2000, "PORTSEL"), (0x4000, "AUTOMEDIA"),
    ]
}

/// IF_OPER_* (RFC 2863) operational state.
public struct OperState: NamedValue {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let unknown = OperState(rawValue: 0)
    public static let down = OperState(rawValue: 2)
    public static let lowerLayerDown = OperState(rawValue: 3)
    public static let up = OperState(rawValue: 6)

    public static let valueNames: [(UInt8, String)] = [
        (0, "UNKNOWN"), (1, "NOTPRESENT"), (2, "DOWN"), (3, "LOWERLAYERDOWN"), (4, "TESTING"), (5, "DORMANT"),
        (6, "UP"),
    ]
}
