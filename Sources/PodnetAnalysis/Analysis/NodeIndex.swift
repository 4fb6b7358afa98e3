import PodnetModel

/// Which pod network a workload veth belongs to.
enum WorkloadKind: Sendable {
    /// `cali` + 11 hex: Calico.
    case calico
    /// `eni` + 11 hex: the AWS VPC CNI.
    case eni

    /// The kind of a workload veth by its name; nil for other interfaces.
    ///
    /// A `veth` named `cali…`/`eni…` counts; so does any link named `cali`/`eni` + 11 hex digits
    /// (the CNIs' naming, whatever kind the snapshot reports).
    static func of(name: String, kind: String) -> WorkloadKind? {
        let result: WorkloadKind
        let rest: Substring
        if name.hasPrefix("cali") && !name.hasPrefix("calico") {
            result = .calico
            rest = name.dropFirst(4)
        } else if name.hasPrefix("eni") {
            result = .eni
            rest = name.dropFirst(3)
        } else {
            return nil
        }
        guard !rest.isEmpty, !rest.contains("_") else { return nil }
        if kind == "veth" { return result }
        if rest.count == 11 && rest.allSatisfy(\.isHexDigit) { return result }
        return nil
    }
}

/// The snapshot indexed once, in one pass over each list, for the checks to look things up.
///
/// Large lists (routes through the VXLAN device, routes of other tables) are kept as positions in
/// `snapshot.routes`, not copies; interface roles are looked up in an array indexed by ifindex.
struct NodeIndex {
    struct NeighbourKey: Hashable {
        let interfaceIndex: InterfaceIndex
        let address: IPAddress
    }

    struct TableKey: Hashable {
        let table: RouteTable
        let family: AddressFamily
    }

    let snapshot: NodeSnapshot
    let linksByIndex: [InterfaceIndex: Link]
    let linksByName: [String: Link]
    let addressesByIndex: [InterfaceIndex: [Address]]
    /// Every configured address by its local IP.
    let addressesByIP: [IPAddress: [Address]]

    /// Workload veths, sorted by name.
    let workloadLinks: [Link]
    let workloadKinds: [InterfaceIndex: WorkloadKind]
    /// Main-table /32 and /128 routes to workload veths, by veth.
    let workloadRoutes: [InterfaceIndex: [Route]]
    let workloadRouteCount: Int

    /// Main-table blackhole routes installed by Felix (proto 80): Calico's local blocks.
    let felixBlackholes: [Route]
    /// Positions (in `snapshot.routes`) of the main-table routes with a gateway through one of the
    /// VXLAN devices, by device.
    let routesViaVXLAN: [InterfaceIndex: [Int]]
    /// Gateways of main-table routes of a block's length that do not go through a VXLAN device
    /// (Calico's CrossSubnet routes: the block via the owning node's IP).
    let directBlockGateways: Set<IPAddress>
    /// Destinations of gateway-less host routes on a VXLAN device (remote nodes with borrowed tunnel IPs).
    let vxlanHostRouteDestinations: Set<IPAddress>
    /// Main-table routes installed by BIRD (Calico in BGP mode).
    let birdRouteCount: Int
    /// The destinations (canonical) the expectations name, each with its slot.
    let watched: AddressSlots
    /// The routes, in any table, to each watched destination, by slot.
    let watchedRoutes: WatchedRoutes
    /// Positions of the routes of the tables other than main and local (the VPC CNI's per-ENI
    /// tables), by table.
    let otherTableRoutes: [RouteTable: [Int]]
    /// Tables (per family) holding a default route.
    let tablesWithDefaultRoute: Set<TableKey>
    /// Devices of IPv4 default routes in any table (the ENIs with the VPC CNI).
    let defaultRouteDevices: Set<InterfaceIndex>
    /// The main table's IPv4 default route with the lowest metric.
    let mainDefaultRouteV4: Route?

    /// Neighbours on the VXLAN devices, by device and address.
    let vxlanNeighbours: [NeighbourKey: Neighbour]
    /// Neighbours on each VXLAN device, in snapshot order.
    let vxlanNeighbourList: [InterfaceIndex: [Neighbour]]
    /// FDB entries on the VXLAN devices, by device and MAC.
    let vxlanFDB: [InterfaceIndex: [HardwareAddress: [FDBEntry]]]

    /// `to IP lookup main` rules (host prefixes), by IP; the lowest priority kept.
    let toMainRules: [IPAddress: Rule]
    /// `from PREFIX lookup N` rules into tables other than main, local and default.
    let fromTableRules: [Rule]
    /// Whether the VPC CNI's host rule (`from all fwmark 0x80/0x80 lookup main`) is present.
    let hasVPCCNIHostRule: Bool

    init(snapshot: NodeSnapshot, vxlanDeviceNames: [String], watched: AddressSlots, blockSize: Int, blockSizeV6: Int) {
        self.snapshot = snapshot
        self.watched = watched

        var linksByIndex: [InterfaceIndex: Link] = [:]
        var linksByName: [String: Link] = [:]
        var workloadLinks: [Link] = []
        var workloadKinds: [InterfaceIndex: WorkloadKind] = [:]
        linksByIndex.reserveCapacity(snapshot.links.count)
        linksByName.reserveCapacity(snapshot.links.count)
        for link in snapshot.links {
            linksByIndex[link.index] = link
            linksByName[link.name] = link
            if let kind = WorkloadKind.of(name: link.name, kind: link.kind) {
                workloadLinks.append(link)
                workloadKinds[link.index] = kind
            }
        }
        workloadLinks.sort { $0.name < $1.name }
        self.linksByIndex = linksByIndex
        self.linksByName = linksByName
        self.workloadLinks = workloadLinks
        self.workloadKinds = workloadKinds

        var addressesByIndex: [InterfaceIndex: [Address]] = [:]
        var addressesByIP: [IPAddress: [Address]] = [:]
        for address in snapshot.addresses {
            addressesByIndex[address.interfaceIndex, default: []].append(address)
            addressesByIP[address.prefix.address, default: []].append(address)
        }
        self.addressesByIndex = addressesByIndex
        self.addressesByIP = addressesByIP

        var roles = DeviceRoles(links: snapshot.links)
        for link in workloadLinks { roles.mark(link.index, .workload) }
        let vxlanDevices = vxlanDeviceNames.compactMap { linksByName[$0]?.index }
        for device in vxlanDevices { roles.mark(device, .vxlan) }
        let hasVXLAN = !vxlanDevices.isEmpty

        var workloadRoutes: [InterfaceIndex: [Route]] = [:]
        var workloadRouteCount = 0
        var felixBlackholes: [Route] = []
        var vxlanPositions = [[Int]](repeating: [], count: vxlanDevices.count)
        var directBlockGateways: Set<IPAddress> = []
        var vxlanHostRouteDestinations: Set<IPAddress> = []
        var birdRouteCount = 0
        var watchedRoutes = WatchedRoutes(slots: watched.count)
        var tablesWithDefaultRoute: Set<TableKey> = []
        var otherTableRoutes: [RouteTable: [Int]] = [:]
        var defaultRouteDevices: Set<InterfaceIndex> = []
        var mainDefaultRouteV4: Route?

        // Fields are read in place through the buffer: copying 100k Route values would cost more
        // than everything else here.
        snapshot.routes.withUnsafeBufferPointer { routes in
            for position in routes.indices {
                let destination = routes[position].destination
                let table = routes[position].table
                let type = routes[position].type
                if table != .main, table != .local {
                    otherTableRoutes[table, default: []].append(position)
                }
                if watched.count > 0, let slot = watched[destination.network] {
                    watchedRoutes.append(position, slot: slot)
                }
                if destination.length == 0 {
                    if type == .unicast {
                        let family = routes[position].family
                        tablesWithDefaultRoute.insert(TableKey(table: table, family: family))
                        if family == .ipv4 {
                            for hop in routes[position].nextHops {
                                if let device = hop.interfaceIndex { defaultRouteDevices.insert(device) }
                            }
                            let priority = routes[position].priority
                            if table == .main, mainDefaultRouteV4.map({ priority < $0.priority }) ?? true {
                                mainDefaultRouteV4 = routes[position]
                            }
                        }
                    }
                    continue
                }
                guard table == .main else { continue }
                if type == .blackhole {
                    // Felix's default protocol is 80; a non-default DeviceRouteProtocol changes it, so a
                    // blackhole of exactly the block size counts too.
                    let isBlockSized = destination.length == (destination.family == .ipv6 ? blockSizeV6 : blockSize)
                    if routes[position].protocol_ == .felix || isBlockSized { felixBlackholes.append(routes[position]) }
                    if routes[position].protocol_ == .bird { birdRouteCount += 1 }
                    continue
                }
                if routes[position].protocol_ == .bird { birdRouteCount += 1 }
                guard type == .unicast else { continue }
                var viaVXLAN = false
                var gateway: IPAddress?
                for hop in routes[position].nextHops {
                    if gateway == nil { gateway = hop.gateway }
                    guard let device = hop.interfaceIndex else { continue }
                    switch roles[device] {
                    case .workload:
                        if destination.isHost {
                            workloadRoutes[device, default: []].append(routes[position])
                            workloadRouteCount += 1
                        }
                    case .vxlan:
                        if !viaVXLAN, hop.gateway != nil, let slot = vxlanDevices.firstIndex(of: device) {
                            viaVXLAN = true
                            vxlanPositions[slot].append(position)
                        } else if hop.gateway == nil, destination.isHost {
                            // `TUNNEL_IP dev vxlan.calico`: Felix's route to a remote node whose tunnel
                            // IP is borrowed from another node's block (it owns no block yet).
                            vxlanHostRouteDestinations.insert(destination.address)
                        }
                    case .other:
                        break
                    }
                }
                // CrossSubnet blocks are routed via the owning node's IP; pools may use other block
                // sizes than the configured one, so any routed prefix counts.
                if hasVXLAN, !viaVXLAN, let gateway, !destination.isDefault {
                    directBlockGateways.insert(gateway)
                }
            }
        }
        self.workloadRoutes = workloadRoutes
        self.workloadRouteCount = workloadRouteCount
        self.felixBlackholes = felixBlackholes
        var routesViaVXLAN: [InterfaceIndex: [Int]] = [:]
        for (slot, device) in vxlanDevices.enumerated() where !vxlanPositions[slot].isEmpty {
            routesViaVXLAN[device] = vxlanPositions[slot]
        }
        self.routesViaVXLAN = routesViaVXLAN
        self.directBlockGateways = directBlockGateways
        self.vxlanHostRouteDestinations = vxlanHostRouteDestinations
        self.birdRouteCount = birdRouteCount
        self.watchedRoutes = watchedRoutes
        self.tablesWithDefaultRoute = tablesWithDefaultRoute
        self.otherTableRoutes = otherTableRoutes
        self.defaultRouteDevices = defaultRouteDevices
        self.mainDefaultRouteV4 = mainDefaultRouteV4

        var vxlanNeighbours: [NeighbourKey: Neighbour] = [:]
        var vxlanNeighbourList: [InterfaceIndex: [Neighbour]] = [:]
        var vxlanFDB: [InterfaceIndex: [HardwareAddress: [FDBEntry]]] = [:]
        if hasVXLAN {
            vxlanNeighbours.reserveCapacity(snapshot.neighbours.count)
            for neighbour in snapshot.neighbours where roles[neighbour.interfaceIndex] == .vxlan {
                let key = NeighbourKey(interfaceIndex: neighbour.interfaceIndex, address: neighbour.address)
                if vxlanNeighbours[key] == nil { vxlanNeighbours[key] = neighbour }
                vxlanNeighbourList[neighbour.interfaceIndex, default: []].append(neighbour)
            }
            for entry in snapshot.fdb where roles[entry.interfaceIndex] == .vxlan {
                vxlanFDB[entry.interfaceIndex, default: [:]][entry.mac, default: []].append(entry)
            }
        }
        self.vxlanNeighbours = vxlanNeighbours
        self.vxlanNeighbourList = vxlanNeighbourList
        self.vxlanFDB = vxlanFDB

        var toMainRules: [IPAddress: Rule] = [:]
        var fromTableRules: [Rule] = []
        var hasVPCCNIHostRule = false
        let builtinTables: Set<RouteTable> = [.main, .local, .default, RouteTable(0)]
        for rule in snapshot.rules where rule.action == .lookup {
            if rule.table == .main, !rule.invert, let to = rule.to, to.isHost,
                rule.from.map({ $0.isDefault }) ?? true
            {
                if toMainRules[to.address].map({ rule.priority < $0.priority }) ?? true {
                    toMainRules[to.address] = rule
                }
            }
            if let from = rule.from, !from.isDefault, !rule.invert, !builtinTables.contains(rule.table) {
                fromTableRules.append(rule)
            }
            // ipamd writes `1024: from all fwmark 0x80/0x80 lookup main` (pkg/networkutils, mainENIRule: no invert).
            if rule.table == .main, rule.fwmark == 0x80, rule.fwmask == 0x80 {
                hasVPCCNIHostRule = true
            }
        }
        self.toMainRules = toMainRules
        self.fromTableRules = fromTableRules
        self.hasVPCCNIHostRule = hasVPCCNIHostRule
    }

    /// The interface's name, or `ifN` when the snapshot has no such link.
    func name(_ index: InterfaceIndex) -> String {
        linksByIndex[index]?.name ?? "if\(index.rawValue)"
    }

    /// The routes, in any table, whose destination is `prefix` (canonical), in snapshot order.
    func watchedRoutes(_ prefix: IPPrefix) -> [Route] {
        guard let slot = watched[prefix] else { return [] }
        var routes: [Route] = []
        watchedRoutes.forEachPosition(slot: slot) { routes.append(snapshot.routes[$0]) }
        return routes
    }

    /// The routes at `positions` in the snapshot.
    func routes(at positions: [Int]) -> [Route] {
        positions.map { snapshot.routes[$0] }
    }
}

/// What an interface is to the analysis, looked up per route without hashing.
struct DeviceRoles {
    enum Role: UInt8 {
        case other
        case workload
        case vxlan
    }

    /// Ifindexes up to this are kept in an array; the rare larger ones in a dictionary.
    private static let arrayLimit: Int32 = 1 << 20
    private var array: [Role]
    private var overflow: [InterfaceIndex: Role] = [:]

    init(links: [Link]) {
        let highest = links.reduce(Int32(0)) { max($0, min($1.index.rawValue, Self.arrayLimit - 1)) }
        array = [Role](repeating: .other, count: Int(highest) + 1)
    }

    mutating func mark(_ index: InterfaceIndex, _ role: Role) {
        let raw = index.rawValue
        if raw >= 0 && raw < Int32(array.count) {
            array[Int(raw)] = role
        } else {
            overflow[index] = role
        }
    }

    subscript(index: InterfaceIndex) -> Role {
        let raw = index.rawValue
        if raw >= 0 && raw < Int32(array.count) { return array[Int(raw)] }
        return overflow.isEmpty ? .other : overflow[index] ?? .other
    }
}

/// A set of prefixes answering "which one contains this address?" in a few hash lookups.
struct PrefixSet {
    private var members: [Int: Set<IPAddress>] = [:]
    /// The lengths present, per family, longest first.
    private var lengthsV4: [Int] = []
    private var lengthsV6: [Int] = []
    private(set) var count = 0

    init() {}

    init(_ prefixes: some Sequence<IPPrefix>) {
        for prefix in prefixes { insert(prefix) }
    }

    /// Keys combine family and length so the two families never share a bucket.
    private static func key(_ family: AddressFamily, _ length: Int) -> Int {
        (family == .ipv6 ? 1000 : 0) + length
    }

    mutating func insert(_ prefix: IPPrefix) {
        let network = prefix.network
        let key = Self.key(network.family, network.length)
        if members[key] == nil {
            members[key] = []
            if network.family == .ipv6 {
                lengthsV6.append(network.length)
                lengthsV6.sort(by: >)
            } else {
                lengthsV4.append(network.length)
                lengthsV4.sort(by: >)
            }
        }
        if members[key]!.insert(network.address).inserted { count += 1 }
    }

    /// The longest member containing `address`.
    func longestMatch(_ address: IPAddress) -> IPPrefix? {
        let family = address.family
        for length in family == .ipv6 ? lengthsV6 : lengthsV4 {
            let network = IPPrefix(host: address).withLength(length).network
            if members[Self.key(family, length)]?.contains(network.address) == true { return network }
        }
        return nil
    }

    func contains(_ address: IPAddress) -> Bool { longestMatch(address) != nil }
}


/// Positions (in `snapshot.routes`) of the routes to each watched destination, by slot: one array
/// for all slots instead of an array per destination (10,000 allocations on a 5,000-node cluster).
struct WatchedRoutes {
    /// The first position per slot; -1: no route.
    private var first: [Int32]
    /// Further positions per slot (rare: the same destination in several tables or with several metrics).
    private var more: [Int: [Int]] = [:]

    init(slots: Int) {
        first = [Int32](repeating: -1, count: slots)
    }

    mutating func append(_ position: Int, slot: Int) {
        if first[slot] < 0 {
            first[slot] = Int32(position)
        } else {
            more[slot, default: []].append(position)
        }
    }

    /// Calls `body` with each position of the slot, in snapshot order.
    func forEachPosition(slot: Int, _ body: (Int) -> Void) {
        guard first[slot] >= 0 else { return }
        body(Int(first[slot]))
        if more.isEmpty { return }
        for position in more[slot] ?? [] { body(position) }
    }
}
