/// A bridge forwarding-database entry (family AF_BRIDGE), as `bridge fdb show` reports it.
/// On a VXLAN device `destination` is the remote VTEP's underlay IP.
public struct FDBEntry: Hashable, Sendable, Codable {
    public var mac: HardwareAddress
    public var interfaceIndex: InterfaceIndex
    /// NDA_DST: the VXLAN remote (`dst` in `bridge fdb`).
    public var destination: IPAddress?
    public var vlan: UInt16?
    public var vni: UInt32?
    /// NDA_MASTER: the bridge this port belongs to.
    public var masterIndex: InterfaceIndex?
    public var state: NeighbourState
    public var flags: NeighbourFlags

    public init(
        mac: HardwareAddress, interfaceIndex: InterfaceIndex, destination: IPAddress? = nil, vlan: UInt16? = nil,
        vni: UInt32? = nil, masterIndex: InterfaceIndex? = nil, state: NeighbourState = .permanent,
        flags: NeighbourFlags = [.self]
    ) {
        self.mac = mac
        self.interfaceIndex = interfaceIndex
        self.destination = destination
        self.vlan = vlan
        self.vni = vni
        self.masterIndex = masterIndex
        self.state = state
        self.flags = flags
    }
}
