import CNetlink
import PodnetModel

/// RTM_NEWLINK → `Link`, through libnl's link parser (`rtnl_link_*` getters, VXLAN and inet devconf).
enum LinkConverter {
    /// Size of `struct ifinfomsg`.
    static let familyHeaderSize = 16

    /// The interface index of a link message (RTM_NEWLINK or RTM_DELLINK), when it describes a whole
    /// link. Messages of other families (AF_BRIDGE port notifications) describe a bridge port only.
    static func linkIndex(of message: NetlinkMessage) -> InterfaceIndex? {
        guard message.hasFamilyHeader(familyHeaderSize), message.payloadByte(0) == 0 else { return nil }
        let index = message.payload(Int32.self, at: 4)
        return index > 0 ? InterfaceIndex(rawValue: index) : nil
    }

    /// The link in `message`, or nil for bridge-port notifications and unparsable messages.
    static func link(from message: NetlinkMessage) -> Link? {
        guard let index = linkIndex(of: message), let parsed = LibnlLink(parsing: message) else { return nil }
        let link = parsed.handle

        var parentNetnsID: Int32 = 0
        let hasNetnsID = rtnl_link_get_link_netnsid(link, &parentNetnsID) == 0
        let parent = rtnl_link_get_link(link)
        let master = rtnl_link_get_master(link)

        let name = string(rtnl_link_get_name(link)) ?? ""
        let kind = string(rtnl_link_get_type(link)) ?? "device"
        return Link(
            index: index,
            name: name,
            kind: kind,
            flags: LinkFlags(rawValue: UInt32(rtnl_link_get_flags(link))),
            operState: OperState(rawValue: rtnl_link_get_operstate(link)),
            mtu: UInt32(rtnl_link_get_mtu(link)),
            mac: hardwareAddress(of: rtnl_link_get_addr(link)),
            parentIndex: parent > 0 ? InterfaceIndex(rawValue: parent) : nil,
            parentNetnsID: hasNetnsID ? parentNetnsID : nil,
            masterIndex: master > 0 ? InterfaceIndex(rawValue: master) : nil,
            vxlan: vxlanInfo(link),
            ipv4: ipv4Settings(link),
            ipv6: ipv6Settings(message))
    }

    /// VXLAN attributes; the getters are only called on VXLAN links (they log to stderr otherwise).
    private static func vxlanInfo(_ link: OpaquePointer) -> VXLANInfo? {
        guard rtnl_link_is_vxlan(link) != 0 else { return nil }
        var vni: UInt32 = 0
        guard rtnl_link_vxlan_get_id(link, &vni) == 0 else { return nil }
        var port: UInt32 = 0
        if rtnl_link_vxlan_get_port(link, &port) != 0 { port = 0 }  // host order already
        var local: IPAddress?
        var localAddress: OpaquePointer?
        if rtnl_link_vxlan_get_local(link, &localAddress) == 0, let localAddress {
            let owned = LibnlAddressValue(taking: localAddress)
            local = ipAddress(of: owned.handle)
        }
        var underlay: UInt32 = 0
        let hasUnderlay = rtnl_link_vxlan_get_link(link, &underlay) == 0 && underlay > 0
        let learning = rtnl_link_vxlan_get_learning(link)
        return VXLANInfo(
            vni: vni, port: UInt16(truncatingIfNeeded: port), local: local,
            underlayIndex: hasUnderlay ? InterfaceIndex(rawValue: Int32(bitPattern: underlay)) : nil,
            learning: learning > 0)
    }

    /// The link's AF_INET devconf (IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF) via `rtnl_link_inet_get_conf`.
    private static func ipv4Settings(_ link: OpaquePointer) -> IPv4DeviceSettings? {
        func conf(_ id: Int) -> UInt32? {
            var value: UInt32 = 0
            return rtnl_link_inet_get_conf(link, UInt32(id), &value) == 0 ? value : nil
        }
        guard let forwarding = conf(Int(IPV4_DEVCONF_FORWARDING)), let rpFilter = conf(Int(IPV4_DEVCONF_RP_FILTER)),
            let proxyARP = conf(Int(IPV4_DEVCONF_PROXY_ARP))
        else { return nil }
        return IPv4DeviceSettings(forwarding: forwarding != 0, rpFilter: Int(rpFilter), proxyARP: proxyARP != 0)
    }

    /// IFLA_AF_SPEC attribute type.
    private static let iflaAFSpec: UInt16 = 26
    /// AF_INET6 nest inside IFLA_AF_SPEC, and its IFLA_INET6_CONF array of s32.
    private static let afInet6: UInt16 = 10
    private static let iflaInet6Conf: UInt16 = 2
    /// DEVCONF_FORWARDING (linux/ipv6.h): index 0 of IFLA_INET6_CONF.
    private static let devconfForwarding = 0

    /// The link's IPv6 forwarding from IFLA_AF_SPEC/AF_INET6/IFLA_INET6_CONF.
    ///
    /// libnl 3.7 parses this array but has no getter (`rtnl_link_inet6_get_conf` arrived in 3.8), so it is
    /// read here. It is the same devconf value netconf reports, and it makes each RTM_NEWLINK complete:
    /// a link created after a snapshot carries its IPv6 setting in its own event.
    private static func ipv6Settings(_ message: NetlinkMessage) -> IPv6DeviceSettings? {
        guard let spec = message.attributes(afterFamilyHeader: familyHeaderSize).first(iflaAFSpec),
            let inet6 = spec.nested.first(afInet6), let conf = inet6.nested.first(iflaInet6Conf)
        else { return nil }
        let offset = devconfForwarding * 4
        guard conf.value.count >= offset + 4 else { return nil }
        let forwarding = conf.value.loadUnaligned(fromByteOffset: offset, as: Int32.self)
        return IPv6DeviceSettings(forwarding: forwarding != 0)
    }
}
