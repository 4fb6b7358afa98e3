import CNetlink
import PodnetModel

/// RTM_NEWADDR / RTM_DELADDR → `Address`, through libnl's address parser.
enum AddressConverter {
    /// Size of `struct ifaddrmsg`.
    static let familyHeaderSize = 8

    /// The IPv4 or IPv6 address in `message`, or nil for other families and unparsable messages.
    static func address(from message: NetlinkMessage) -> Address? {
        guard message.hasFamilyHeader(familyHeaderSize) else { return nil }
        let familyByte = message.payloadByte(0)
        guard familyByte == 2 || familyByte == 10, let parsed = LibnlAddress(parsing: message) else { return nil }
        let address = parsed.handle

        // libnl keeps IFA_LOCAL as `local` and IFA_ADDRESS as `peer` when they differ.
        guard let local = ipAddress(of: rtnl_addr_get_local(address)),
            let prefix = IPPrefix(address: local, length: Int(rtnl_addr_get_prefixlen(address)))
        else { return nil }
        let index = rtnl_addr_get_ifindex(address)
        guard index > 0 else { return nil }
        return Address(
            interfaceIndex: InterfaceIndex(rawValue: index), prefix: prefix,
            peer: ipAddress(of: rtnl_addr_get_peer(address)),
            scope: RouteScope(rawValue: UInt8(truncatingIfNeeded: rtnl_addr_get_scope(address))),
            flags: AddressFlags(rawValue: UInt32(rtnl_addr_get_flags(address))),
            label: string(rtnl_addr_get_label(address)))
    }
}
