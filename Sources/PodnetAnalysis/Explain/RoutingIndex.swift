import PodnetModel

/// The snapshot's routing state indexed once, for any number of path lookups.
///
/// Each (table, family) keeps one hash map per prefix length present, from the network address to
/// the positions of its routes in `snapshot.routes`: a lookup is at most 33 (IPv4) or 129 (IPv6)
/// hash probes, longest length first, whatever the number of routes. Building it is one pass over
/// each list of the snapshot.
public struct RoutingIndex: Sendable {
    struct TableKey: Hashable, Sendable {
        let table: RouteTable
        let family: AddressFamily
    }

    /// The routes of one table and family, by prefix length and network address.
    struct PrefixTable: Sendable {
        /// The lengths present, longest first.
        var lengths: [Int] = []
        /// Per length: network address bits → positions in `snapshot.routes`, in dump order.
        var byLength: [Int: [UInt128: [Int32]]] = [:]

        mutating func insert(_ prefix: IPPrefix, position: Int) {
            let key = RoutingIndex.bits(prefix.network.address)
            if byLength[prefix.length] == nil {
                byLength[prefix.length] = [:]
                lengths.append(prefix.length)
                lengths.sort(by: >)
            }
            byLength[prefix.length]![key, default: []].append(Int32(position))
        }
    }

    struct NeighbourKey: Hashable, Sendable {
        let interfaceIndex: InterfaceIndex
        let address: IPAddress
    }

    /// The snapshot the index points into.
    public let snapshot: NodeSnapshot
    let tables: [TableKey: PrefixTable]
    /// Policy rules per family in the kernel's order (priority, then dump order); the kernel's
    /// default rules when the snapshot has none of a family (a hand-written fixture).
    let rulesV4: [Rule]
    let rulesV6: [Rule]
    /// Whether any IPv4 rule differs from the three default ones (the kernel then does the full
    /// reverse-path lookup when validating a forwarded packet's source).
    let hasCustomRulesV4: Bool
    /// Whether a `local` route was added by hand (not by the kernel for an address).
    let hasCustomLocalRoutesV4: Bool
    let linksByIndex: [InterfaceIndex: Link]
    let linksByName: [String: Link]
    /// Links in ifindex order (the order the kernel walks devices in when choosing a source address).
    let linksInOrder: [Link]
    /// Addresses per interface, in the kernel's order.
    let addressesByInterface: [InterfaceIndex: [Address]]
    /// Every configured local address.
    let localAddresses: Set<IPAddress>
    let neighbours: [NeighbourKey: Neighbour]
    /// FDB entries per device and MAC.
    let fdb: [InterfaceIndex: [HardwareAddress: [FDBEntry]]]
    /// The loopback device's index (1 unless the snapshot says otherwise).
    let loopbackIndex: InterfaceIndex
    /// `ip`-syntax renderings with this snapshot's interface names.
    let syntax: IPSyntax

    public init(snapshot: NodeSnapshot) {
        self.snapshot = snapshot
        var tables: [TableKey: PrefixTable] = [:]
        snapshot.routes.withUnsafeBufferPointer { routes in
            for position in routes.indices {
                let key = TableKey(table: routes[position].table, family: routes[position].family)
                tables[key, default: PrefixTable()].insert(routes[position].destination, position: position)
            }
        }
        self.tables = tables
        hasCustomLocalRoutesV4 = snapshot.routes.contains {
            $0.table == .local && $0.type == .local && $0.family == .ipv4 && $0.protocol_ != .kernel
        }

        func ordered(_ family: AddressFamily) -> [Rule] {
            let rules = snapshot.rules.enumerated().filter { $0.element.family == family }
                .sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }.map(\.element)
            return rules.isEmpty ? Self.defaultRules(family) : rules
        }
        rulesV4 = ordered(.ipv4)
        rulesV6 = ordered(.ipv6)
        hasCustomRulesV4 = rulesV4 != Self.defaultRules(.ipv4)

        var linksByIndex: [InterfaceIndex: Link] = [:]
        var linksByName: [String: Link] = [:]
        for link in snapshot.links {
            linksByIndex[link.index] = link
            linksByName[link.name] = link
        }
        self.linksByIndex = linksByIndex
        syntax = IPSyntax(links: snapshot.links)
        self.linksByName = linksByName
        linksInOrder = snapshot.links.sorted { $0.index < $1.index }
        loopbackIndex = snapshot.links.first { $0.flags.contains(.loopback) }?.index ?? InterfaceIndex(1)

        var addressesByInterface: [InterfaceIndex: [Address]] = [:]
        var localAddresses: Set<IPAddress> = []
        for address in snapshot.addresses {
            addressesByInterface[address.interfaceIndex, default: []].append(address)
            localAddresses.insert(address.prefix.address)
        }
        self.addressesByInterface = addressesByInterface
        self.localAddresses = localAddresses

        var neighbours: [NeighbourKey: Neighbour] = [:]
        for neighbour in snapshot.neighbours {
            let key = NeighbourKey(interfaceIndex: neighbour.interfaceIndex, address: neighbour.address)
            if neighbours[key] == nil { neighbours[key] = neighbour }
        }
        self.neighbours = neighbours
        var fdb: [InterfaceIndex: [HardwareAddress: [FDBEntry]]] = [:]
        for entry in snapshot.fdb {
            fdb[entry.interfaceIndex, default: [:]][entry.mac, default: []].append(entry)
        }
        self.fdb = fdb
    }

    /// The rules a fresh namespace has: `0 lookup local`, `32766 lookup main` (and for IPv4
    /// `32767 lookup default`).
    static func defaultRules(_ family: AddressFamily) -> [Rule] {
        var rules = [
            Rule(family: family, priority: 0, table: .local), Rule(family: family, priority: 32766, table: .main),
        ]
        if family == .ipv4 { rules.append(Rule(family: family, priority: 32767, table: .default)) }
        return rules
    }

    static func bits(_ address: IPAddress) -> UInt128 {
        switch address {
        case .v4(let value): UInt128(value)
        case .v6(let value): value
        }
    }

    func rules(_ family: AddressFamily) -> [Rule] { family == .ipv6 ? rulesV6 : rulesV4 }

    /// The route at a position of `snapshot.routes`.
    func route(_ position: Int) -> Route { snapshot.routes[position] }

    /// The interface's name, or `ifN` when the snapshot has no such link.
    func name(_ index: InterfaceIndex?) -> String {
        guard let index else { return "?" }
        return linksByIndex[index]?.name ?? "if\(index.rawValue)"
    }

    /// Calls `body` with the positions of the routes of `table` whose prefix contains `address`,
    /// longest prefix first (each length's routes in dump order), until it returns false.
    func forEachMatch(table: RouteTable, address: IPAddress, _ body: (_ length: Int, _ positions: [Int32]) -> Bool) {
        guard let prefixes = tables[TableKey(table: table, family: address.family)] else { return }
        let bits = Self.bits(address)
        let width = address.bitWidth
        for length in prefixes.lengths {
            let network = length == 0 ? 0 : bits & (UInt128.max << (width - length)) & Self.widthMask(width)
            if let positions = prefixes.byLength[length]?[network], !body(length, positions) { return }
        }
    }

    private static func widthMask(_ width: Int) -> UInt128 { width == 128 ? UInt128.max : (UInt128(1) << width) - 1 }

    /// Whether the table exists at all (has a route of this family).
    func hasTable(_ table: RouteTable, _ family: AddressFamily) -> Bool {
        tables[TableKey(table: table, family: family)] != nil
    }
}
