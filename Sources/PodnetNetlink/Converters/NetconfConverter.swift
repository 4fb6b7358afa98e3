import CNetlink
import PodnetModel

/// RTM_NEWNETCONF → `NetconfChange`, through libnl's netconf parser (`rtnl_netconf_get_*`).
enum NetconfConverter {
    /// Size of `struct netconfmsg` (one byte, padded by NLMSG_ALIGN).
    static let familyHeaderSize = 4

    private static let ifindexAll: Int32 = -1
    private static let ifindexDefault: Int32 = -2

    static func change(from message: NetlinkMessage) -> NetconfChange? {
        guard message.hasFamilyHeader(1) else { return nil }
        let family: AddressFamily
        // Checked before libnl sees the message: its parser printf()s to stdout on other families.
        switch message.payloadByte(0) {
        case 2: family = .ipv4
        case 10: family = .ipv6
        default: return nil
        }
        guard let parsed = LibnlNetconf(parsing: message), let index = parsed.value(rtnl_netconf_get_ifindex) else {
            return nil
        }
        let target: NetconfChange.Target
        switch index {
        case ifindexAll: target = .all
        case ifindexDefault: target = .default
        case let index where index > 0: target = .interface(InterfaceIndex(rawValue: index))
        default: return nil
        }
        return NetconfChange(
            family: family, target: target,
            forwarding: parsed.value(rtnl_netconf_get_forwarding).map { $0 != 0 },
            rpFilter: family == .ipv4 ? parsed.value(rtnl_netconf_get_rp_filter).map { Int($0) } : nil,
            proxyNeighbour: parsed.value(rtnl_netconf_get_proxy_neigh).map { $0 != 0 })
    }
}
