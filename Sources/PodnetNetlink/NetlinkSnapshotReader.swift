import CNetlink
import PodnetModel

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
    /// by (family, priority).
    ///
    /// Consistent: while dumping, the change notifications are watched (`ChangeWatch`), and every
    /// dump that a change was announced for between its start and the end of the snapshot is redone
    /// (as is one the kernel marked interrupted), so the result is the kernel's state at one moment.
    /// Repeated entries are dropped. When a dump stays stale `dumpAttempts` times in a row, throws an
    /// error whose `isInconsistentState` is true: the state is uncertain, nothing may be concluded.
    public func snapshot() throws(NetlinkError) -> NodeSnapshot {
        var statistics = DumpStatistics()
        return try snapshot(statistics: &statistics)
    }

    /// `snapshot()`, adding how it was read (dumps, redos and why) to `statistics`, also when it throws.
    public func snapshot(statistics: inout DumpStatistics) throws(NetlinkError) -> NodeSnapshot {
        // The watch first: a change made before it exists is in the dumps, one made after is announced.
        let watch = try ChangeWatch()
        let dumper = try Dumper()
        var parts = DumpedParts()
        var stale = Set(DumpKind.allCases)
        var read: Set<DumpKind> = []
        var attempts: [DumpKind: Int] = [:]
        while let kind = stale.min() {
            let attempt = attempts[kind, default: 0] + 1
            guard attempt <= NetlinkSnapshotReader.dumpAttempts else {
                throw NetlinkSnapshotReader.keptChanging(kind.operation)
            }
            attempts[kind] = attempt
            if attempt > 1 {
                statistics.redone += 1
                NetlinkSnapshotReader.pause(beforeAttempt: attempt)
            }
            statistics.dumps += 1
            let interrupted = try dumper.dump(kind, into: &parts, duplicatesDropped: &statistics.duplicatesDropped)
            stale.remove(kind)
            read.insert(kind)
            if interrupted {
                statistics.interruptedByKernel += 1
                stale.insert(kind)
            }
            let changes = try watch.takeChanges()
            statistics.notifications += changes.notifications
            if changes.overrun { statistics.watchOverruns += 1 }
            for changed in changes.stale where read.contains(changed) && !stale.contains(changed) {
                statistics.changedDuringDump += 1
                stale.insert(changed)
            }
        }
        // Usage counters, not state: read once after the consistent part, never redone for changes.
        var host = NetlinkSnapshotReader.hostSettings(parts.netconfIPv4 + parts.netconfIPv6)
        for (family, usage) in try dumper.neighbourTables() {
            if family == .ipv4 { host.ipv4NeighbourTable = usage } else { host.ipv6NeighbourTable = usage }
        }
        host.conntrack = NodeCounters.conntrack()
        var links = SnapshotOrdering.sorted(parts.links, by: SnapshotOrdering.LinkKey.init)
        // Offloads are not in RTM_NEWLINK: one ethtool ioctl per VXLAN device (its checksum offload
        // matters on old kernels), none for the thousands of veths a node may have.
        for position in links.indices where links[position].kind == "vxlan" {
            links[position].offloads = NodeCounters.offloads(interface: links[position].name)
        }
        return NodeSnapshot(
            hostname: NetlinkSnapshotReader.hostname(), capturedAt: RFC3339.now(),
            host: host,
            links: links,
            addresses: SnapshotOrdering.sorted(parts.addresses, by: SnapshotOrdering.AddressKey.init),
            routes: parts.routesIPv4 + parts.routesIPv6,
            neighbours: SnapshotOrdering.sorted(parts.neighbours, by: SnapshotOrdering.NeighbourKey.init),
            fdb: SnapshotOrdering.sorted(parts.fdb, by: SnapshotOrdering.FDBKey.init),
            rules: SnapshotOrdering.sorted(parts.rulesIPv4 + parts.rulesIPv6, by: SnapshotOrdering.RuleKey.init))
    }

    /// Most reads of one dump before the state counts as uncertain.
    public static let dumpAttempts = 8

    /// The error when a dump stayed stale `dumpAttempts` times in a row (`isInconsistentState`).
    static func keptChanging(_ operation: String) -> NetlinkError {
        NetlinkError(
            operation: operation, code: NLE_DUMP_INTR,
            message:
                "the state kept changing while it was read (\(dumpAttempts) reads in a row overlapped changes): no consistent view, so nothing is concluded from it; try again")
    }

    /// Backs off before a redo (5, 20, 45, 80, then 100 ms): changes often come in bursts.
    static func pause(beforeAttempt attempt: Int) {
        let milliseconds = min((attempt - 1) * (attempt - 1) * 5, 100)
        var pause = timespec(tv_sec: 0, tv_nsec: milliseconds * 1_000_000)
        _ = nanosleep(&pause, nil)
    }

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

/// What the dumps of one snapshot read so far, one list per `DumpKind`.
struct DumpedParts {
    var links: [Link] = []
    var netconfIPv4: [NetconfChange] = []
    var netconfIPv6: [NetconfChange] = []
    var addresses: [Address] = []
    var routesIPv4: [Route] = []
    var routesIPv6: [Route] = []
    var neighbours: [Neighbour] = []
    var fdb: [FDBEntry] = []
    var rulesIPv4: [Rule] = []
    var rulesIPv6: [Rule] = []
}

/// One socket and the dump requests of each object kind, parsed with the per-kind converters.
struct Dumper {
    let socket: NetlinkSocket

    init() throws(NetlinkError) { socket = try NetlinkSocket() }

    /// Reads one dump into its place in `parts`, dropping repeated entries; returns true when the
    /// kernel marked it interrupted (NLM_F_DUMP_INTR).
    func dump(_ kind: DumpKind, into parts: inout DumpedParts, duplicatesDropped: inout Int) throws(NetlinkError) -> Bool {
        let operation = kind.operation
        switch kind {
        case .links:
            return try read(MessageType.getLink, family: 0, headerSize: LinkConverter.familyHeaderSize,
                operation: operation, into: &parts.links, duplicatesDropped: &duplicatesDropped, LinkConverter.link(from:))
        case .netconfIPv4, .netconfIPv6:
            let ipv6 = kind == .netconfIPv6
            return try read(MessageType.getNetconf, family: ipv6 ? 10 : 2, headerSize: NetconfConverter.familyHeaderSize,
                operation: operation, into: &parts[keyPath: ipv6 ? \DumpedParts.netconfIPv6 : \.netconfIPv4],
                duplicatesDropped: &duplicatesDropped, NetconfConverter.change(from:))
        case .addresses:
            return try read(MessageType.getAddress, family: 0, headerSize: AddressConverter.familyHeaderSize,
                operation: operation, into: &parts.addresses, duplicatesDropped: &duplicatesDropped,
                AddressConverter.address(from:))
        case .routesIPv4, .routesIPv6:
            let ipv6 = kind == .routesIPv6
            return try read(MessageType.getRoute, family: ipv6 ? 10 : 2, headerSize: RouteConverter.familyHeaderSize,
                operation: operation, into: &parts[keyPath: ipv6 ? \DumpedParts.routesIPv6 : \.routesIPv4],
                duplicatesDropped: &duplicatesDropped, RouteConverter.route(from:))
        case .neighbours:
            return try read(MessageType.getNeighbour, family: 0, headerSize: NeighbourConverter.familyHeaderSize,
                operation: operation, into: &parts.neighbours, duplicatesDropped: &duplicatesDropped
            ) { message in
                if case .neighbour(let neighbour) = NeighbourConverter.parse(message) { return neighbour }
                return nil
            }
        case .fdb:
            return try read(MessageType.getNeighbour, family: 7, headerSize: NeighbourConverter.familyHeaderSize,
                operation: operation, into: &parts.fdb, duplicatesDropped: &duplicatesDropped
            ) { message in
                if case .fdb(let entry) = NeighbourConverter.parse(message) { return entry }
                return nil
            }
        case .rulesIPv4, .rulesIPv6:
            let ipv6 = kind == .rulesIPv6
            return try read(MessageType.getRule, family: ipv6 ? 10 : 2, headerSize: RuleConverter.familyHeaderSize,
                operation: operation, into: &parts[keyPath: ipv6 ? \DumpedParts.rulesIPv6 : \.rulesIPv4],
                duplicatesDropped: &duplicatesDropped, RuleConverter.rule(from:))
        }
    }

    /// The ARP and NDP tables' usage (RTM_GETNEIGHTBL), one entry per family the kernel has.
    func neighbourTables() throws(NetlinkError) -> [(AddressFamily, NeighbourTableUsage)] {
        var ignored = 0
        var tables: [(AddressFamily, NeighbourTableUsage)] = []
        for family: UInt8 in [2, 10] {
            var usage: [(AddressFamily, NeighbourTableUsage)] = []
            _ = try read(
                MessageType.getNeighbourTable, family: family, headerSize: NeighbourTableConverter.familyHeaderSize,
                operation: family == 2 ? "dumping IPv4 neighbour tables" : "dumping IPv6 neighbour tables",
                into: &usage, duplicatesDropped: &ignored, NeighbourTableConverter.usage(from:))
            tables += usage
        }
        return tables
    }

    /// Dumps `type` for `family` once and replaces `values` with what `convert` makes of each message
    /// (nils and repeated messages dropped); returns true when the kernel marked the dump interrupted. An IPv6
    /// dump the kernel refuses (booted with ipv6.disable=1: EOPNOTSUPP, EAFNOSUPPORT) reads as empty.
    private func read<T>(
        _ type: UInt16, family: UInt8, headerSize: Int, operation: String, into values: inout [T],
        duplicatesDropped: inout Int, _ convert: (NetlinkMessage) -> T?
    ) throws(NetlinkError) -> Bool {
        var header = [UInt8](repeating: 0, count: headerSize)
        header[0] = family
        var collected: [T] = []
        collected.reserveCapacity(values.count)
        var seen = Set<Int>(minimumCapacity: values.count)
        let interrupted: Bool
        do {
            interrupted = try socket.dumpOnce(type: type, header: header, operation: operation) {
                (message) throws(NetlinkError) in
                // A kernel without the requested family (ipv6.disable=1) may answer with a dump of every
                // family (the route dump does): keep only what was asked for.
                guard Dumper.isOfRequestedFamily(message, header: header) else { return }
                // A torn dump repeats objects: the same message twice. Compared by payload (not by
                // model value: two kernel routes may differ only in attributes podnetd does not model).
                guard seen.insert(Dumper.fingerprint(message.payload)).inserted else {
                    duplicatesDropped += 1
                    return
                }
                if let value = convert(message) { collected.append(value) }
            }
        } catch {
            guard family == 10, error.systemErrno == EOPNOTSUPP || error.systemErrno == EAFNOSUPPORT else { throw error }
            values = []
            return false
        }
        values = collected
        return interrupted
    }

    /// A 64-bit hash of a message's payload (its header differs only in flags and sequence).
    static func fingerprint(_ payload: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: payload)
        return hasher.finalize()
    }

    /// True when the request's family (its header's first byte) is AF_UNSPEC or the message's.
    static func isOfRequestedFamily(_ message: NetlinkMessage, header: [UInt8]) -> Bool {
        let requested = header.first ?? 0
        return requested == 0 || (message.hasFamilyHeader(1) && message.payloadByte(0) == requested)
    }
}
