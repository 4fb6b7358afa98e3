import CNetlink
import PodnetModel
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads the node's network state over rtnetlink: one dump per object kind, each message parsed on
/// its own (never libnl's caches). Needs no privileges. Reads the network namespace of the calling
/// thread at the time of the call.
public struct NetlinkSnapshotReader: Sendable {
    public init() {}

    /// Everything at once: links, host settings, addresses, routes of every table, neighbours, FDB
    /// entries and policy rules, IPv4 and IPv6.
    ///
    /// Order: links by index; addresses by (ifindex, family, address); routes as the kernel dumps them,
    /// IPv4 first; neighbours by (ifindex, address); FDB entries by (ifindex, MAC, destination); rules
    /// by (family, priority). Each dump is consistent in itself (redone when the kernel reports it was
    /// interrupted by a concurrent change); the dumps follow one another.
    public func snapshot() throws(NetlinkError) -> NodeSnapshot {
        let dumper = try Dumper()
        let links = try dumper.links()
        let netconf = try dumper.netconf()
        let addresses = try dumper.addresses()
        let routes = try dumper.routes()
        let (neighbours, fdb) = try dumper.neighboursAndFDB()
        let rules = try dumper.rules()
        var host = NetlinkSnapshotReader.hostSettings(netconf)
        for (family, usage) in try dumper.neighbourTables() {
            if family == .ipv4 { host.ipv4NeighbourTable = usage } else { host.ipv6NeighbourTable = usage }
        }
        host.conntrack = NodeCounters.conntrack()
        return NodeSnapshot(
            hostname: NetlinkSnapshotReader.hostname(), capturedAt: RFC3339.now(),
            host: host, links: links, addresses: addresses,
            routes: routes, neighbours: neighbours, fdb: fdb, rules: rules)
    }

    /// How many dumps this process redid because the kernel marked them interrupted by a concurrent
    /// change (NLM_F_DUMP_INTR), across all readers. For metrics and tests.
    public static var interruptedDumps: Int { interruptedDumpCounter.load(ordering: .relaxed) }

    static let interruptedDumpCounter = Atomic<Int>(0)

    /// The `all`/`default` settings from the netconf dumps.
    static func hostSettings(_ netconf: [NetconfChange]) -> HostSettings {
        var host = HostSettings()
        for change in netconf { host.apply(change) }
        return host
    }

    /// gethostname(2); empty when it fails.
    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension HostSettings {
    /// Takes the `all`/`default` values of a netconf message (device values are ignored here).
    mutating func apply(_ change: NetconfChange) {
        switch (change.family, change.target) {
        case (.ipv4, .all):
            if let forwarding = change.forwarding { ipv4Forwarding = forwarding }
            if let rpFilter = change.rpFilter { ipv4RPFilterAll = rpFilter }
        case (.ipv4, .default):
            if let rpFilter = change.rpFilter { ipv4RPFilterDefault = rpFilter }
        case (.ipv6, .all):
            if let forwarding = change.forwarding { ipv6Forwarding = forwarding }
        default:
            break
        }
    }
}

/// One socket and the dump requests of each object kind, parsed with the per-kind converters.
struct Dumper {
    let socket: NetlinkSocket

    init() throws(NetlinkError) { socket = try NetlinkSocket() }

    /// Dumps `type` and collects what `convert` makes of each message (dropping nils); redoes the
    /// dump, after a short pause, when the kernel marks it interrupted by a concurrent change
    /// (NLM_F_DUMP_INTR); throws after `NetlinkSocket.dumpAttempts` interrupted attempts.
    private func collect<T>(
        _ type: UInt16, header: [UInt8], operation: String, into values: inout [T],
        _ convert: (NetlinkMessage) -> T?
    ) throws(NetlinkError) {
        let start = values.count
        for attempt in 1...NetlinkSocket.dumpAttempts {
            if attempt > 1 {
                // Back off a little (5, 20, 45, 80 ms): changes often come in bursts.
                var pause = timespec(tv_sec: 0, tv_nsec: (attempt - 1) * (attempt - 1) * 5_000_000)
                _ = nanosleep(&pause, nil)
            }
            let interrupted = try socket.dumpOnce(type: type, header: header, operation: operation) {
                (message) throws(NetlinkError) in
                // A kernel without the requested family (ipv6.disable=1) may answer with a dump of every
                // family (the route dump does): keep only what was asked for.
                guard Dumper.isOfRequestedFamily(message, header: header) else { return }
                if let value = convert(message) { values.append(value) }
            }
            if !interrupted { return }
            NetlinkSnapshotReader.interruptedDumpCounter.add(1, ordering: .relaxed)
            values.removeSubrange(start...)
        }
        throw NetlinkSocket.dumpKeptFailing(operation)
    }

    /// True when the request's family (its header's first byte) is AF_UNSPEC or the message's.
    static func isOfRequestedFamily(_ message: NetlinkMessage, header: [UInt8]) -> Bool {
        let requested = header.first ?? 0
        return requested == 0 || (message.hasFamilyHeader(1) && message.payloadByte(0) == requested)
    }

    /// Runs an IPv6 dump; a kernel booted with ipv6.disable=1 refuses some (EOPNOTSUPP, EAFNOSUPPORT):
    /// that means "no IPv6", an empty result, not a failed snapshot.
    private func ipv6Dump(_ dump: () throws(NetlinkError) -> Void) throws(NetlinkError) {
        do {
            try dump()
        } catch {
            guard error.systemErrno == EOPNOTSUPP || error.systemErrno == EAFNOSUPPORT else { throw error }
        }
    }

    /// Dumps `type` for IPv4 then IPv6 (the latter empty when the kernel has no IPv6).
    private func collectBothFamilies<T>(
        _ type: UInt16, headerSize: Int, what: String, into values: inout [T], _ convert: (NetlinkMessage) -> T?
    ) throws(NetlinkError) {
        try collect(
            type, header: header(family: 2, size: headerSize), operation: "dumping IPv4 \(what)", into: &values,
            convert)
        try ipv6Dump { () throws(NetlinkError) in
            try collect(
                type, header: header(family: 10, size: headerSize), operation: "dumping IPv6 \(what)",
                into: &values, convert)
        }
    }

    /// A family header of `size` bytes whose first byte is `family`, the rest zero.
    private func header(family: UInt8, size: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes[0] = family
        return bytes
    }

    func links() throws(NetlinkError) -> [Link] {
        var links: [Link] = []
        try collect(
            MessageType.getLink, header: header(family: 0, size: LinkConverter.familyHeaderSize),
            operation: "dumping links",
            into: &links, LinkConverter.link(from:))
        links = SnapshotOrdering.sorted(links, by: SnapshotOrdering.LinkKey.init)
        // Offloads are not in RTM_NEWLINK: one ethtool ioctl per VXLAN device (its checksum offload
        // matters on old kernels), none for the thousands of veths a node may have.
        for position in links.indices where links[position].kind == "vxlan" {
            links[position].offloads = NodeCounters.offloads(interface: links[position].name)
        }
        return links
    }

    func netconf() throws(NetlinkError) -> [NetconfChange] {
        var changes: [NetconfChange] = []
        try collectBothFamilies(
            MessageType.getNetconf, headerSize: NetconfConverter.familyHeaderSize, what: "netconf", into: &changes,
            NetconfConverter.change(from:))
        return changes
    }

    func addresses() throws(NetlinkError) -> [Address] {
        var addresses: [Address] = []
        try collect(
            MessageType.getAddress, header: header(family: 0, size: AddressConverter.familyHeaderSize),
            operation: "dumping addresses", into: &addresses, AddressConverter.address(from:))
        addresses = SnapshotOrdering.sorted(addresses, by: SnapshotOrdering.AddressKey.init)
        return addresses
    }

    func routes() throws(NetlinkError) -> [Route] {
        var routes: [Route] = []
        routes.reserveCapacity(1024)
        try collectBothFamilies(
            MessageType.getRoute, headerSize: RouteConverter.familyHeaderSize, what: "routes", into: &routes,
            RouteConverter.route(from:))
        return routes
    }

    func neighboursAndFDB() throws(NetlinkError) -> ([Neighbour], [FDBEntry]) {
        var neighbours: [Neighbour] = []
        try collect(
            MessageType.getNeighbour, header: header(family: 0, size: NeighbourConverter.familyHeaderSize),
            operation: "dumping neighbours", into: &neighbours
        ) { message in
            if case .neighbour(let neighbour) = NeighbourConverter.parse(message) { return neighbour }
            return nil
        }
        var fdb: [FDBEntry] = []
        try collect(
            MessageType.getNeighbour, header: header(family: 7, size: NeighbourConverter.familyHeaderSize),
            operation: "dumping bridge FDB entries", into: &fdb
        ) { message in
            if case .fdb(let entry) = NeighbourConverter.parse(message) { return entry }
            return nil
        }
        neighbours = SnapshotOrdering.sorted(neighbours, by: SnapshotOrdering.NeighbourKey.init)
        fdb = SnapshotOrdering.sorted(fdb, by: SnapshotOrdering.FDBKey.init)
        return (neighbours, fdb)
    }

    /// The ARP and NDP tables' usage (RTM_GETNEIGHTBL), one entry per family the kernel has.
    func neighbourTables() throws(NetlinkError) -> [(AddressFamily, NeighbourTableUsage)] {
        var tables: [(AddressFamily, NeighbourTableUsage)] = []
        try collectBothFamilies(
            MessageType.getNeighbourTable, headerSize: NeighbourTableConverter.familyHeaderSize,
            what: "neighbour tables", into: &tables, NeighbourTableConverter.usage(from:))
        return tables
    }

    func rules() throws(NetlinkError) -> [Rule] {
        var rules: [Rule] = []
        try collectBothFamilies(
            MessageType.getRule, headerSize: RuleConverter.familyHeaderSize, what: "rules", into: &rules,
            RuleConverter.rule(from:))
        rules = SnapshotOrdering.sorted(rules, by: SnapshotOrdering.RuleKey.init)
        return rules
    }
}
