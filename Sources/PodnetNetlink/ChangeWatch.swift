import PodnetModel

#if canImport(Glibc)
import Glibc
#endif

/// The dumps a snapshot is made of: one per object kind and family, each redone on its own when the
/// kernel announced a change to it while (or after) it was read.
enum DumpKind: Int, CaseIterable, Comparable, Sendable {
    case links, netconfIPv4, netconfIPv6, addresses, routesIPv4, routesIPv6, neighbours, fdb, rulesIPv4, rulesIPv6

    static func < (left: DumpKind, right: DumpKind) -> Bool { left.rawValue < right.rawValue }

    /// How errors and statistics name the dump (`dumping IPv6 routes`).
    var operation: String {
        switch self {
        case .links: "dumping links"
        case .netconfIPv4: "dumping IPv4 netconf"
        case .netconfIPv6: "dumping IPv6 netconf"
        case .addresses: "dumping addresses"
        case .routesIPv4: "dumping IPv4 routes"
        case .routesIPv6: "dumping IPv6 routes"
        case .neighbours: "dumping neighbours"
        case .fdb: "dumping bridge FDB entries"
        case .rulesIPv4: "dumping IPv4 rules"
        case .rulesIPv6: "dumping IPv6 rules"
        }
    }
}

/// A second subscription to the groups `NetlinkEventStream` joins, open while a snapshot is dumped:
/// every notification that arrives names the dumps it makes stale. The kernel flags only some torn
/// dumps with NLM_F_DUMP_INTR (an IPv6 route dump under churn repeats and skips routes without it), so
/// a dump counts as consistent only when no change to its kind was announced between its start and
/// the end of the snapshot.
///
/// Why that suffices: an IPv6 route is added or deleted and announced under its table's lock, which the
/// dump takes for each chunk, so a change that could shift an IPv6 dump is announced before the dump's
/// NLMSG_DONE is read; kernels that dump under RTNL (6.1) serialise every writer that way. IPv4 route
/// dumps resume by key, so a change can only affect whether the changed route itself is in the dump —
/// both are the state of some moment — and its notification still reaches the event stream.
final class ChangeWatch {
    private let socket: NetlinkSocket

    /// Most datagrams read in one `takeChanges`: a flood that outruns the reader counts as "everything
    /// changed" rather than keeping the snapshot waiting.
    static let maximumDatagramsPerTake = 65_536

    /// Opens the socket and joins the groups; from here on every change is noticed.
    init() throws(NetlinkError) {
        let socket = try NetlinkSocket(receiveTimeoutSeconds: 0)
        for (group, name) in NetlinkEventStream.groups {
            try socket.join(group: group, name: name)
        }
        self.socket = socket
    }

    /// What was announced since the last call.
    struct Changes {
        /// The dumps those announcements make stale.
        var stale: Set<DumpKind> = []
        /// Notifications read.
        var notifications = 0
        /// True when the kernel dropped notifications (the socket's buffer was full): everything is stale.
        var overrun = false
    }

    /// Reads every notification queued so far, without waiting.
    func takeChanges() throws(NetlinkError) -> Changes {
        var changes = Changes()
        for _ in 0..<ChangeWatch.maximumDatagramsPerTake {
            switch try socket.receive(blocking: false, operation: "reading change notifications during a dump") {
            case .nothing:
                return changes
            case .overrun:
                changes.overrun = true
                changes.stale = Set(DumpKind.allCases)
            case .datagram(let datagram):
                NetlinkMessage.forEach(in: datagram) { message in
                    changes.notifications += 1
                    changes.stale.formUnion(ChangeWatch.staleDumps(after: message))
                    return true
                }
            }
        }
        changes.overrun = true
        changes.stale = Set(DumpKind.allCases)
        return changes
    }

    /// The dumps a notification makes stale: its own kind and family, plus what the kernel changes
    /// silently along with it (a link set down or deleted takes routes; an IPv4 address removed takes
    /// the routes using it; netconf values are also part of each link; nexthop objects change routes).
    static func staleDumps(after message: NetlinkMessage) -> [DumpKind] {
        let family: UInt8? = message.hasFamilyHeader(1) ? message.payloadByte(0) : nil
        // IPv4's dumps, IPv6's, or both when the family is neither.
        func byFamily(_ ipv4: [DumpKind], _ ipv6: [DumpKind]) -> [DumpKind] {
            family == 2 ? ipv4 : family == 10 ? ipv6 : ipv4 + ipv6
        }
        switch message.type {
        case MessageType.newLink, MessageType.deleteLink:
            return [.links, .routesIPv4, .routesIPv6]
        case MessageType.newAddress, MessageType.deleteAddress:
            return family == 10 ? [.addresses] : [.addresses, .routesIPv4]
        case MessageType.newRoute, MessageType.deleteRoute:
            return byFamily([.routesIPv4], [.routesIPv6])
        case MessageType.newNeighbour, MessageType.deleteNeighbour:
            return family == 7 ? [.fdb] : [.neighbours]
        case MessageType.newRule, MessageType.deleteRule:
            return byFamily([.rulesIPv4], [.rulesIPv6])
        case MessageType.newNetconf, MessageType.deleteNetconf:
            return [.links] + byFamily([.netconfIPv4], [.netconfIPv6])
        case MessageType.newNexthop, MessageType.deleteNexthop:
            return [.routesIPv4, .routesIPv6]
        default:
            return []
        }
    }
}
