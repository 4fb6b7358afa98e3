import PodnetModel

/// Keeps a `NodeSnapshot` current by applying `NetlinkEvent`s, so that it equals a fresh dump.
///
/// Usage: open a `NetlinkEventStream`, take a snapshot, make an updater from it, then `apply` every
/// batch the stream returns (events queued before the snapshot are harmless: every event carries the
/// whole object, so replaying it converges on the kernel's state). When `needsResync` turns true
/// (after `.overrun`, see `NetlinkEvent.requiresResync`), replace the updater with one made from a
/// fresh snapshot, keeping the stream.
///
/// Identity of objects: link by index; address by (ifindex, prefix); route by (family, table, type,
/// destination, source, tos, priority, first hop's device and gateway); neighbour by (ifindex,
/// address); FDB entry as `FDBKey` says; rule by its whole value.
///
/// Route replacements whose old route is not found or is ambiguous (siblings sharing the kernel's FIB
/// key, as `ip route append` makes them), and IPv6 multipath route changes, set `needsResync` rather
/// than guess (see `apply(_:removed:flags:)`).
///
/// The kernel changes some IPv4 routes without telling anyone; the updater applies those changes
/// itself, as net/ipv4/fib_semantics.c makes them:
/// - a deleted link takes every IPv4 route with a next hop through it;
/// - a link set down takes its IPv4 routes except host-scope ones (multipath routes lose only those hops,
///   which become `dead`/`linkdown`); set up again, those hops revive;
/// - a link losing carrier marks its next hops `linkdown` (IPv4 and IPv6), regaining it clears that;
/// - an IPv4 address that no interface holds any more takes the routes with it as preferred source, and
///   an interface's last IPv4 address takes all IPv4 routes through that interface.
public struct SnapshotUpdater: Sendable {
    private var header: NodeSnapshot
    private var links: [InterfaceIndex: Link]
    private var addresses: KeyedList<AddressKey, Address>
    private var routes: KeyedList<RouteKey, Route>
    private var neighbours: KeyedList<NeighbourKey, Neighbour>
    private var fdb: KeyedList<FDBKey, FDBEntry>
    private var rules: KeyedList<Rule, Rule>
    private var ipv6MultipathGroups: Set<FIBKey>
    /// FIB keys more than one route has had since the snapshot (`ip route append` siblings): a replace
    /// of such a route is ambiguous. Found in the snapshot and added from append notifications; not
    /// removed when siblings go (a replace then resyncs once more than needed, which is harmless).
    private var siblingFIBKeys: Set<FIBKey>

    /// True once an event with `requiresResync` was applied (`.overrun`, a nexthop object change, or an
    /// IPv4 `default` rp_filter/proxy_arp change the kernel copies to interfaces silently), or a route
    /// event could not be applied with certainty (a replace of an unknown route, IPv6 multipath):
    /// replace this updater with one made from a fresh snapshot.
    public private(set) var needsResync = false

    public init(_ snapshot: NodeSnapshot) {
        var header = snapshot
        header.links = []
        header.addresses = []
        header.routes = []
        header.neighbours = []
        header.fdb = []
        header.rules = []
        self.header = header
        links = Dictionary(snapshot.links.map { ($0.index, $0) }, uniquingKeysWith: { _, last in last })
        addresses = KeyedList(snapshot.addresses, key: AddressKey.init)
        routes = KeyedList(snapshot.routes, key: RouteKey.init)
        ipv6MultipathGroups = SnapshotUpdater.multipathGroups(snapshot.routes)
        siblingFIBKeys = SnapshotUpdater.siblingFIBKeys(snapshot.routes)
        neighbours = KeyedList(snapshot.neighbours, key: NeighbourKey.init)
        fdb = KeyedList(snapshot.fdb, key: FDBKey.init)
        rules = KeyedList(snapshot.rules, key: { $0 })
    }

    /// The current state. Lists are in the snapshot orders (see `NetlinkSnapshotReader.snapshot()`),
    /// except routes: the original dump order, with routes added since appended.
    public var snapshot: NodeSnapshot {
        var result = header
        result.links = SnapshotOrdering.sorted(Array(links.values), by: SnapshotOrdering.LinkKey.init)
        result.addresses = SnapshotOrdering.sorted(addresses.values, by: SnapshotOrdering.AddressKey.init)
        result.routes = routes.values
        result.neighbours = SnapshotOrdering.sorted(neighbours.values, by: SnapshotOrdering.NeighbourKey.init)
        result.fdb = SnapshotOrdering.sorted(fdb.values, by: SnapshotOrdering.FDBKey.init)
        result.rules = SnapshotOrdering.sorted(rules.values, by: SnapshotOrdering.RuleKey.init)
        return result
    }

    public mutating func apply(_ events: some Sequence<NetlinkEvent>) {
        for event in events { apply(event) }
    }

    public mutating func apply(_ event: NetlinkEvent) {
        if event.requiresResync { needsResync = true }
        switch event {
        case .link(var link):
            let previous = links[link.index]
            // Link messages do not carry ethtool offloads: keep the last read until the next resync.
            if link.offloads == nil, let previous, previous.name == link.name { link.offloads = previous.offloads }
            links[link.index] = link
            if let previous { linkChanged(from: previous, to: link) }
        case .linkRemoved(let index):
            links.removeValue(forKey: index)
            linkRemoved(index)
        case .address(let address, let removed):
            if removed {
                addresses.remove(AddressKey(address))
                if address.family == .ipv4 { ipv4AddressRemoved(address) }
            } else {
                addresses.upsert(address)
            }
        case .route(let route, let removed, let flags):
            apply(route, removed: removed, flags: flags)
        case .neighbour(let neighbour, let removed):
            if removed { neighbours.remove(NeighbourKey(neighbour)) } else { neighbours.upsert(neighbour) }
        case .fdb(let entry, let removed):
            if removed { fdb.remove(FDBKey(entry)) } else { fdb.upsert(entry) }
        case .rule(let rule, let removed):
            if removed { rules.remove(rule) } else { rules.upsert(rule) }
        case .netconf(let change):
            apply(change)
        case .overrun, .nexthopObjectsChanged:
            break
        }
    }

    private mutating func apply(_ route: Route, removed: Bool, flags: RouteNotificationFlags) {
        let key = RouteKey(route)
        if route.family == .ipv6 && ipv6MultipathIsAmbiguous(route, key: key) {
            // IPv6 multipath routes are built and torn down hop by hop, and a notification may carry some
            // hops or all of them: guessing which stored route it changes is error-prone. Re-dump (rare).
            needsResync = true
            return
        }
        if removed {
            routes.remove(key)
            return
        }
        if flags.contains(.append) { siblingFIBKeys.insert(FIBKey(route)) }
        if flags.contains(.replace) && (routes.value(for: key) == nil || siblingFIBKeys.contains(FIBKey(route))) {
            // The kernel replaced the first route with the same FIB key, whatever its device or gateway,
            // and sends no delete for it: when that is not the route stored under this key (another
            // identity), or several routes share the FIB key (`ip route append` siblings on other
            // devices), which one is gone is unknown here. Re-dump (rare).
            needsResync = true
        }
        routes.upsert(route)
    }

    /// The FIB keys shared by consecutive routes: the kernel dumps routes with the same FIB key next
    /// to each other (IPv4 aliases of one prefix in (tos, priority) order, IPv6 routes of one tree node
    /// in metric order), so one pass without hashing every route finds the siblings.
    private static func siblingFIBKeys(_ routes: [Route]) -> Set<FIBKey> {
        var siblings: Set<FIBKey> = []
        var previous: FIBKey?
        for route in routes {
            let key = FIBKey(route)
            if key == previous { siblings.insert(key) }
            previous = key
        }
        return siblings
    }

    /// True when an IPv6 route event touches a multipath route: it has several hops, the route stored
    /// under its key has, or it matches nothing while a multipath route to the same (table,
    /// destination, source, priority) exists.
    private func ipv6MultipathIsAmbiguous(_ route: Route, key: RouteKey) -> Bool {
        if route.nextHops.count > 1 { return true }
        if let stored = routes.value(for: key) { return stored.nextHops.count > 1 }
        return ipv6MultipathGroups.contains(FIBKey(route))
    }

    /// The (table, destination, source, priority) of every stored IPv6 multipath route. Such routes only
    /// come from the snapshot (events would set `needsResync`), so this is built once and refreshed
    /// when a link removal drops hops.
    private static func multipathGroups(_ routes: [Route]) -> Set<FIBKey> {
        Set(routes.lazy.filter { $0.family == .ipv6 && $0.nextHops.count > 1 }.map(FIBKey.init))
    }

    private mutating func apply(_ change: NetconfChange) {
        guard case .interface(let index) = change.target else {
            header.host.apply(change)
            return
        }
        guard var link = links[index] else { return }
        switch change.family {
        case .ipv4:
            if var settings = link.ipv4 {
                if let forwarding = change.forwarding { settings.forwarding = forwarding }
                if let rpFilter = change.rpFilter { settings.rpFilter = rpFilter }
                if let proxyARP = change.proxyNeighbour { settings.proxyARP = proxyARP }
                link.ipv4 = settings
            } else if let forwarding = change.forwarding, let rpFilter = change.rpFilter,
                let proxyARP = change.proxyNeighbour
            {
                link.ipv4 = IPv4DeviceSettings(forwarding: forwarding, rpFilter: rpFilter, proxyARP: proxyARP)
            }
        case .ipv6:
            if let forwarding = change.forwarding { link.ipv6 = IPv6DeviceSettings(forwarding: forwarding) }
        case .bridge:
            return
        }
        links[index] = link
    }

    // MARK: - What the kernel does without notification

    private mutating func linkRemoved(_ index: InterfaceIndex) {
        addresses.update { $0.interfaceIndex == index ? nil : $0 }
        neighbours.update { $0.interfaceIndex == index ? nil : $0 }
        fdb.update { $0.interfaceIndex == index ? nil : $0 }
        var rekeyed: [Route] = []
        routes.update { route in
            let uses = route.nextHops.contains { $0.interfaceIndex == index }
            guard uses else { return route }
            // IPv4: NETDEV_UNREGISTER kills the whole route. IPv6 deletes (and announces) single-path
            // routes; multipath routes lose the hop.
            if route.family == .ipv4 || route.nextHops.count == 1 { return nil }
            var kept = route
            kept.nextHops.removeAll { $0.interfaceIndex == index }
            // The key holds the first hop: when that hop went, take the route out and re-insert it under
            // its new key (KeyedList's keys must not change in place).
            if RouteKey(kept) != RouteKey(route) {
                rekeyed.append(kept)
                return nil
            }
            return kept
        }
        for route in rekeyed { routes.upsert(route) }
        ipv6MultipathGroups = SnapshotUpdater.multipathGroups(routes.values)
    }

    private mutating func linkChanged(from old: Link, to new: Link) {
        let index = new.index
        let wasUp = old.flags.contains(.up)
        let isUp = new.flags.contains(.up)
        let hadCarrier = wasUp && old.flags.contains(.lowerUp)
        let hasCarrier = isUp && new.flags.contains(.lowerUp)
        if wasUp && !isUp {
            linkWentDown(index)
        } else if !wasUp && isUp {
            // fib_sync_up / rt6_sync_up with RTNH_F_DEAD: dead hops revive; linkdown clears with carrier.
            clearHopFlags(on: index, families: [.ipv4, .ipv6], hasCarrier ? [.dead, .linkDown] : [.dead])
        } else if isUp && hadCarrier && !hasCarrier {
            markLinkDown(index)
        } else if isUp && !hadCarrier && hasCarrier {
            clearHopFlags(on: index, families: [.ipv4, .ipv6], [.linkDown])
        }
    }

    /// fib_sync_down_dev(NETDEV_DOWN) for IPv4 (host-scope next hops are spared unless `force`);
    /// for IPv6 (not when `force`: that is IPv4's fib_disable_ip) single-path routes are deleted with
    /// notification, multipath hops are marked.
    private mutating func linkWentDown(_ index: InterfaceIndex, force: Bool = false) {
        routes.update { route in
            guard route.nextHops.contains(where: { $0.interfaceIndex == index }) else { return route }
            if force && route.family != .ipv4 { return route }
            if route.family == .ipv4 && !force && route.scope == .host { return route }
            if route.nextHops.allSatisfy({ $0.interfaceIndex == index }) {
                return route.family == .ipv4 ? nil : route
            }
            var marked = route
            for hop in marked.nextHops.indices where marked.nextHops[hop].interfaceIndex == index {
                marked.nextHops[hop].flags.formUnion([.dead, .linkDown])
            }
            return marked
        }
    }

    /// NETDEV_CHANGE without carrier: next hops through the link become `linkdown` (IPv4 host-scope
    /// hops and IPv6 local/anycast routes excepted).
    private mutating func markLinkDown(_ index: InterfaceIndex) {
        routes.update { route in
            guard route.nextHops.contains(where: { $0.interfaceIndex == index }) else { return route }
            if route.family == .ipv4 && route.scope == .host { return route }
            if route.family == .ipv6 && (route.type == .local || route.type == .anycast) { return route }
            var marked = route
            for hop in marked.nextHops.indices where marked.nextHops[hop].interfaceIndex == index {
                marked.nextHops[hop].flags.insert(.linkDown)
            }
            return marked
        }
    }

    private mutating func clearHopFlags(on index: InterfaceIndex, families: [AddressFamily], _ flags: NextHopFlags) {
        routes.update { route in
            guard families.contains(route.family),
                route.nextHops.contains(where: { $0.interfaceIndex == index && !$0.flags.isDisjoint(with: flags) })
            else { return route }
            var cleared = route
            for hop in cleared.nextHops.indices where cleared.nextHops[hop].interfaceIndex == index {
                cleared.nextHops[hop].flags.subtract(flags)
            }
            return cleared
        }
    }

    /// fib_del_ifaddr: routes preferring a source address nobody holds any more are flushed; an
    /// interface without IPv4 addresses loses all its IPv4 routes (fib_disable_ip, forced).
    private mutating func ipv4AddressRemoved(_ address: Address) {
        let local = address.prefix.address
        let remaining = addresses.values.filter { $0.family == .ipv4 }
        if !remaining.contains(where: { $0.prefix.address == local }) {
            routes.update { $0.family == .ipv4 && $0.preferredSource == local ? nil : $0 }
        }
        if !remaining.contains(where: { $0.interfaceIndex == address.interfaceIndex }) {
            linkWentDown(address.interfaceIndex, force: true)
        }
    }
}

extension NodeSnapshot {
    /// This snapshot with `events` applied. Convenient, but it rebuilds the lookup tables on every
    /// call (O(routes)); a long-lived `SnapshotUpdater` does not.
    public func applying(_ events: some Sequence<NetlinkEvent>) -> NodeSnapshot {
        var updater = SnapshotUpdater(self)
        updater.apply(events)
        return updater.snapshot
    }
}

/// Address identity: (ifindex, prefix).
struct AddressKey: Hashable, Sendable {
    let interfaceIndex: InterfaceIndex
    let prefix: IPPrefix

    init(_ address: Address) {
        interfaceIndex = address.interfaceIndex
        prefix = address.prefix
    }
}

/// Route identity: what the kernel's FIB keys a route by, plus the first next hop's device and gateway:
/// IPv6 routes that differ only in device coexist (`fe80::/64` of every interface), and so do IPv4 ones
/// (connected routes of two interfaces in one subnet, `ip route append`). Delete notifications carry
/// the whole route, so they still find it.
struct RouteKey: Hashable, Sendable {
    let family: AddressFamily
    let table: RouteTable
    let type: RouteType
    let destination: IPPrefix
    let source: IPPrefix?
    let tos: UInt8
    let priority: UInt32
    let device: InterfaceIndex?
    let gateway: IPAddress?

    init(_ route: Route) {
        family = route.family
        table = route.table
        type = route.type
        destination = route.destination
        source = route.source
        tos = route.tos
        priority = route.priority
        device = route.nextHops.first?.interfaceIndex
        gateway = route.nextHops.first?.gateway
    }
}

/// What the kernel's FIB keys a route by, without its next hops: (table, destination, source, tos,
/// priority). Routes sharing it are `ip route append` siblings, or an IPv6 multipath route and its
/// hops' single-path notifications; a replace takes the first of them, whichever device it uses.
struct FIBKey: Hashable, Sendable {
    let table: RouteTable
    let destination: IPPrefix
    let source: IPPrefix?
    let tos: UInt8
    let priority: UInt32

    init(_ route: Route) {
        table = route.table
        destination = route.destination
        source = route.source
        tos = route.tos
        priority = route.priority
    }
}

/// Neighbour identity: (ifindex, address).
struct NeighbourKey: Hashable, Sendable {
    let interfaceIndex: InterfaceIndex
    let address: IPAddress

    init(_ neighbour: Neighbour) {
        interfaceIndex = neighbour.interfaceIndex
        address = neighbour.address
    }
}

/// FDB identity, as the kernel keys the tables (so that `bridge fdb replace` and a MAC moving ports
/// replace the entry rather than add one):
/// - bridge entries (with a master): (bridge, MAC, VLAN) — one entry per bridge, whichever port;
/// - the device's own entries (VXLAN): (ifindex, MAC, VLAN, VNI); the destination only for the
///   all-zero and multicast MACs, which may have many remotes.
struct FDBKey: Hashable, Sendable {
    let interfaceIndex: InterfaceIndex
    let mac: HardwareAddress
    let destination: IPAddress?
    let vlan: UInt16?
    let vni: UInt32?

    init(_ entry: FDBEntry) {
        mac = entry.mac
        vlan = entry.vlan
        if let master = entry.masterIndex {
            interfaceIndex = master
            destination = nil
            vni = nil
        } else {
            interfaceIndex = entry.interfaceIndex
            let manyRemotes = entry.mac.bytes.allSatisfy { $0 == 0 } || (entry.mac.bytes.first ?? 0) & 1 == 1
            destination = manyRemotes ? entry.destination : nil
            vni = entry.vni
        }
    }
}
