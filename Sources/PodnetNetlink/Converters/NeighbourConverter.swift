import CNetlink
import PodnetModel

/// RTM_NEWNEIGH / RTM_DELNEIGH → `Neighbour` (AF_INET, AF_INET6) or `FDBEntry` (AF_BRIDGE), through
/// `rtnl_neigh_parse`, one message at a time (no neighbour cache: same code for dumps and events).
enum NeighbourConverter {
    /// Size of `struct ndmsg`.
    static let familyHeaderSize = 12

    /// What a neighbour message describes.
    enum Parsed {
        case neighbour(Neighbour)
        case fdb(FDBEntry)
        /// An IPv4/IPv6 entry podnetd does not report (see `isReported`), identified for removal.
        case unreported(Neighbour)
    }

    /// NDA_VNI: not exposed by libnl 3.7's neighbour object.
    private static let ndaVNI: UInt16 = 7

    static func parse(_ message: NetlinkMessage) -> Parsed? {
        guard message.hasFamilyHeader(familyHeaderSize) else { return nil }
        switch message.payloadByte(0) {
        case 2, 10: return neighbour(message)
        case 7: return fdbEntry(message).map(Parsed.fdb)
        default: return nil
        }
    }

    /// Whether `ip neigh show` lists an entry: some state other than NOARP (iproute2's default filter
    /// `0xFF & ~NUD_NOARP`), or externally learned. NOARP entries (multicast, created silently by the
    /// kernel) and NUD_NONE entries are left out, as `ip neigh show` leaves them out.
    static func isReported(state: NeighbourState, flags: NeighbourFlags) -> Bool {
        state.rawValue & 0xff & ~NeighbourState.noARP.rawValue != 0 || flags.contains(.externLearn)
    }

    private static func neighbour(_ message: NetlinkMessage) -> Parsed? {
        guard let parsed = LibnlNeighbour(parsing: message) else { return nil }
        let neighbour = parsed.handle
        let index = rtnl_neigh_get_ifindex(neighbour)
        guard index > 0, let address = ipAddress(of: rtnl_neigh_get_dst(neighbour)) else { return nil }
        let state = NeighbourState(rawValue: UInt16(truncatingIfNeeded: rtnl_neigh_get_state(neighbour)))
        let flags = NeighbourFlags(rawValue: UInt8(truncatingIfNeeded: rtnl_neigh_get_flags(neighbour)))
        let value = Neighbour(
            interfaceIndex: InterfaceIndex(rawValue: index), address: address,
            mac: hardwareAddress(of: rtnl_neigh_get_lladdr(neighbour)), state: state, flags: flags)
        return isReported(state: state, flags: flags) ? .neighbour(value) : .unreported(value)
    }

    /// Whether an FDB entry is reported. Left out: link-layer multicast addresses without a VXLAN
    /// destination — a device's own multicast list, which the kernel changes without notification.
    static func isReported(_ entry: FDBEntry) -> Bool {
        entry.destination != nil || (entry.mac.bytes.first ?? 0) & 1 == 0
    }

    private static func fdbEntry(_ message: NetlinkMessage) -> FDBEntry? {
        guard let parsed = LibnlNeighbour(parsing: message) else { return nil }
        let neighbour = parsed.handle
        let index = rtnl_neigh_get_ifindex(neighbour)
        guard index > 0, let mac = hardwareAddress(of: rtnl_neigh_get_lladdr(neighbour)) else { return nil }
        let vlan = rtnl_neigh_get_vlan(neighbour)
        let master = rtnl_neigh_get_master(neighbour)
        let vni = message.attributes(afterFamilyHeader: familyHeaderSize).first(ndaVNI)?.u32
        let entry = FDBEntry(
            mac: mac, interfaceIndex: InterfaceIndex(rawValue: index),
            destination: ipAddress(of: rtnl_neigh_get_dst(neighbour)),
            vlan: vlan >= 0 ? UInt16(truncatingIfNeeded: vlan) : nil, vni: vni,
            masterIndex: master > 0 ? InterfaceIndex(rawValue: master) : nil,
            state: NeighbourState(rawValue: UInt16(truncatingIfNeeded: rtnl_neigh_get_state(neighbour))),
            flags: NeighbourFlags(rawValue: UInt8(truncatingIfNeeded: rtnl_neigh_get_flags(neighbour))))
        return isReported(entry) ? entry : nil
    }
}
