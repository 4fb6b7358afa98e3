/// An ARP (IPv4) or NDP (IPv6) neighbour entry, as `ip neigh show` reports it.
public struct Neighbour: Hashable, Sendable, Codable {
    public var interfaceIndex: InterfaceIndex
    public var address: IPAddress
    /// NDA_LLADDR; absent for incomplete and failed entries.
    public var mac: HardwareAddress?
    public var state: NeighbourState
    public var flags: NeighbourFlags

    public init(
        interfaceIndex: InterfaceIndex, address: IPAddress, mac: HardwareAddress?, state: NeighbourState = .permanent,
        flags: NeighbourFlags = []
    ) {
        self.interfaceIndex = interfaceIndex
        self.address = address
        self.mac = mac
        self.state = state
        self.flags = flags
    }

    public var family: AddressFamily { address.family }
}

/// NUD_* neighbour states.
public struct NeighbourState: NamedFlags {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let incomplete = NeighbourState(rawValue: 0x01)
    public static let reachable = NeighbourState(rawValue: 0x02)
    public static let stale = NeighbourState(rawValue: 0x04)
    public static let delay = NeighbourState(rawValue: 0x08)
    public static let probe = NeighbourState(rawValue: 0x10)
    public static let failed = NeighbourState(rawValue: 0x20)
    public static let noARP = NeighbourState(rawValue: 0x40)
    public static let permanent = NeighbourState(rawValue: 0x80)

    public static let bitNames: [(UInt16, String)] = [
        (0x01, "INCOMPLETE"), (0x02, "REACHABLE"), (0x04, "STALE"), (0x08, "DELAY"), (0x10, "PROBE"),
        (0x20, "FAILED"), (0x40, "NOARP"), (0x80, "PERMANENT"),
    ]
}

/// NTF_* neighbour and FDB flags.
public struct NeighbourFlags: NamedFlags {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let `self` = NeighbourFlags(rawValue: 0x02)
    public static let master = NeighbourFlags(rawValue: 0x04)
    public static let proxy = NeighbourFlags(rawValue: 0x08)
    public static let externLearn = NeighbourFlags(rawValue: 0x10)
    public static let router = NeighbourFlags(rawValue: 0x80)

    public static let bitNames: [(UInt8, String)] = [
        (0x01, "use"), (0x02, "self"), (0x04, "master"), (0x08, "proxy"), (0x10, "extern_learn"),
        (0x20, "offload"), (0x40, "sticky"), (0x80, "router"),
    ]
}
