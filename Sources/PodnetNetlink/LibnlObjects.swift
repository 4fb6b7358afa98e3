import CNetlink
import PodnetModel

// Typed owners of the libnl objects podnetd parses messages into. libnl hands every object out as an
// untyped `OpaquePointer`; each wrapper accepts only its own kind and releases its reference once.

/// A `struct rtnl_link` parsed from one RTM_NEWLINK/RTM_DELLINK message.
final class LibnlLink {
    let handle: OpaquePointer

    /// Parses `message` with libnl's link parser; nil when libnl rejects it.
    init?(parsing message: NetlinkMessage) {
        guard [MessageType.newLink, MessageType.deleteLink].contains(message.type), let object = libnlParse(message)
        else { return nil }
        handle = object
    }

    deinit { rtnl_link_put(handle) }
}

/// A `struct rtnl_addr` parsed from one RTM_NEWADDR/RTM_DELADDR message.
final class LibnlAddress {
    let handle: OpaquePointer

    init?(parsing message: NetlinkMessage) {
        guard [MessageType.newAddress, MessageType.deleteAddress].contains(message.type),
            let object = libnlParse(message)
        else { return nil }
        handle = object
    }

    deinit { rtnl_addr_put(handle) }
}

/// A `struct rtnl_netconf` parsed from one RTM_NEWNETCONF message.
final class LibnlNetconf {
    let handle: OpaquePointer

    init?(parsing message: NetlinkMessage) {
        guard [MessageType.newNetconf, MessageType.deleteNetconf].contains(message.type),
            let object = libnlParse(message)
        else { return nil }
        handle = object
    }

    deinit { rtnl_netconf_put(handle) }

    /// A NETCONFA_* value through one of libnl's `rtnl_netconf_get_*` getters; nil when absent.
    func value(_ getter: (OpaquePointer?, UnsafeMutablePointer<Int32>?) -> Int32) -> Int32? {
        var value: Int32 = 0
        return getter(handle, &value) == 0 ? value : nil
    }
}

/// A `struct rtnl_neigh` parsed from one RTM_NEWNEIGH/RTM_DELNEIGH message (`rtnl_neigh_parse`).
final class LibnlNeighbour {
    let handle: OpaquePointer

    init?(parsing message: NetlinkMessage) {
        guard [MessageType.newNeighbour, MessageType.deleteNeighbour].contains(message.type),
            let header = message.libnlHeader
        else {
            return nil
        }
        var object: OpaquePointer?
        guard rtnl_neigh_parse(header, &object) >= 0, let object else { return nil }
        handle = object
    }

    deinit { rtnl_neigh_put(handle) }
}

/// An owned `struct nl_addr` (from getters documented to return a new reference).
final class LibnlAddressValue {
    let handle: OpaquePointer

    init(taking handle: OpaquePointer) { self.handle = handle }

    deinit { nl_addr_put(handle) }
}

/// Runs libnl's parser for the message's type; returns a new object reference or nil.
private func libnlParse(_ message: NetlinkMessage) -> OpaquePointer? {
    guard let header = message.libnlHeader else { return nil }
    var object: OpaquePointer?
    let result = cnetlink_parse_route_object(header, &object)
    guard result >= 0 else { return nil }
    return object
}

/// The IP address inside a borrowed `nl_addr` (4 or 16 bytes), or nil.
func ipAddress(of address: OpaquePointer?) -> IPAddress? {
    guard let address, let data = nl_addr_get_binary_addr(address) else { return nil }
    return IPAddress(networkBytes: UnsafeRawBufferPointer(start: data, count: Int(nl_addr_get_len(address))))
}

/// The link-layer address inside a borrowed `nl_addr`, or nil when it is empty.
func hardwareAddress(of address: OpaquePointer?) -> HardwareAddress? {
    guard let address, let data = nl_addr_get_binary_addr(address) else { return nil }
    let length = Int(nl_addr_get_len(address))
    guard length > 0 else { return nil }
    return HardwareAddress(bytes: Array(UnsafeRawBufferPointer(start: data, count: length)))
}

/// A C string from libnl, or nil.
func string(_ text: UnsafeMutablePointer<CChar>?) -> String? {
    text.map { String(cString: $0) }
}
