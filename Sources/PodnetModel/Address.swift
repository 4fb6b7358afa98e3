/// An interface address as `ip addr show` reports it.
public struct Address: Hashable, Sendable, Codable {
    public var interfaceIndex: InterfaceIndex
    /// The local address with its prefix length (host bits kept: `10.0.0.5/24`).
    public var prefix: IPPrefix
    /// IFA_ADDRESS when it differs from IFA_LOCAL (point-to-point peers).
    public var peer: IPAddress?
    public var scope: RouteScope
    public var flags: AddressFlags
    public var label: String?

    public init(
        interfaceIndex: InterfaceIndex, prefix: IPPrefix, peer: IPAddress? = nil, scope: RouteScope = .universe,
        flags: AddressFlags = [.permanent], label: String? = nil
    ) {
        self.interfaceIndex = interfaceIndex
        self.prefix = prefix
        self.peer = peer
        self.scope = scope
        self.flags = flags
        self.label = label
    }

    public var family: AddressFamily { prefix.family }
}

/// IFA_F_* address flags.
public struct AddressFlags: NamedFlags {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let secondary = AddressFlags(rawValue: 0x01)
    public static let tentative = AddressFlags(rawValue: 0x40)
    public static let permanent = AddressFlags(rawValue: 0x80)

    public static let bitNames: [(UInt32, String)] = [
        (0x01, "secondary"), (0x02, "nodad"), (0x04, "optimistic"), (0x08, "dadfailed"), (0x10, "homeaddress"),
        (0x20, "deprecated"), (0x40, "tentative"), (0x80, "permanent"), (0x100, "mngtmpaddr"),
        (0x200, "noprefixroute"), (0x400, "autojoin"), (0x800, "stable-privacy"),
    ]
}
