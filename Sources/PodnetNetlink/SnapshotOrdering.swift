import PodnetModel

// The deterministic orders of a snapshot's lists. Dumps and `SnapshotUpdater` both use them.

extension AddressFamily {
    /// IPv4 before IPv6 before bridge.
    var sortRank: Int {
        switch self {
        case .ipv4: 0
        case .ipv6: 1
        case .bridge: 2
        }
    }
}

enum SnapshotOrdering {
    /// `values` stably sorted by `key`. Keys are computed once and the sort permutes indices, so each
    /// value moves once: values holding arrays or strings cost a retain/release per move or copy, which
    /// made sorting 20k neighbours the most expensive part of their dump.
    static func sorted<T, Key: Comparable>(_ values: [T], by key: (T) -> Key) -> [T] {
        let keys = values.map(key)
        var order = Array(values.indices)
        keys.withUnsafeBufferPointer { keys in
            order.sort { a, b in keys[a] < keys[b] || (keys[a] == keys[b] && a < b) }
        }
        return order.map { values[$0] }
    }

    /// Sort keys of the snapshot orders (plain values: comparing them retains nothing).
    struct LinkKey: Comparable {
        let index: Int32
        init(_ link: Link) { index = link.index.rawValue }
        static func < (a: Self, b: Self) -> Bool { a.index < b.index }
    }

    struct AddressKey: Comparable {
        let index: Int32
        let family: Int
        let prefix: IPPrefix
        init(_ address: Address) {
            index = address.interfaceIndex.rawValue
            family = address.family.sortRank
            prefix = address.prefix
        }
        static func < (a: Self, b: Self) -> Bool { (a.index, a.family, a.prefix) < (b.index, b.family, b.prefix) }
    }

    struct NeighbourKey: Comparable {
        let index: Int32
        let address: IPAddress
        init(_ neighbour: Neighbour) {
            index = neighbour.interfaceIndex.rawValue
            address = neighbour.address
        }
        static func < (a: Self, b: Self) -> Bool { (a.index, a.address) < (b.index, b.address) }
    }

    struct FDBKey: Comparable {
        let index: Int32
        /// The MAC's first 16 bytes, left-aligned, then its length: lexicographic order for MACs up
        /// to 16 bytes (every MAC FDB entries carry).
        let mac: UInt128
        let macLength: Int
        let destination: IPAddress?
        init(_ entry: FDBEntry) {
            index = entry.interfaceIndex.rawValue
            var packed: UInt128 = 0
            for (position, byte) in entry.mac.bytes.prefix(16).enumerated() {
                packed |= UInt128(byte) << (120 - 8 * position)
            }
            mac = packed
            macLength = entry.mac.bytes.count
            destination = entry.destination
        }
        static func < (a: Self, b: Self) -> Bool {
            if (a.index, a.mac, a.macLength) != (b.index, b.mac, b.macLength) {
                return (a.index, a.mac, a.macLength) < (b.index, b.mac, b.macLength)
            }
            return SnapshotOrdering.optionalLess(a.destination, b.destination)
        }
    }

    struct RuleKey: Comparable {
        let family: Int
        let priority: UInt32
        init(_ rule: Rule) {
            family = rule.family.sortRank
            priority = rule.priority
        }
        static func < (a: Self, b: Self) -> Bool { (a.family, a.priority) < (b.family, b.priority) }
    }

    /// A total order on routes (for comparing two route lists; dumps keep the kernel's order).
    static func route(_ a: Route, _ b: Route) -> Bool {
        if a.family != b.family { return a.family.sortRank < b.family.sortRank }
        if a.table != b.table { return a.table < b.table }
        if a.destination != b.destination { return a.destination < b.destination }
        if a.type != b.type { return a.type.rawValue < b.type.rawValue }
        if a.priority != b.priority { return a.priority < b.priority }
        if a.tos != b.tos { return a.tos < b.tos }
        if a.source != b.source { return optionalLess(a.source, b.source) }
        let aIndex = a.interfaceIndex?.rawValue ?? 0
        let bIndex = b.interfaceIndex?.rawValue ?? 0
        if aIndex != bIndex { return aIndex < bIndex }
        return String(describing: a) < String(describing: b)
    }

    /// nil sorts first.
    static func optionalLess<T: Comparable>(_ a: T?, _ b: T?) -> Bool {
        switch (a, b) {
        case (nil, nil): false
        case (nil, _): true
        case (_, nil): false
        case (let a?, let b?): a < b
        }
    }

    /// A key with ties broken by the value's description: a total order, for comparing two lists.
    struct Total<Key: Comparable>: Comparable {
        let key: Key
        let text: String
        init(_ key: Key, _ value: Any) {
            self.key = key
            text = String(describing: value)
        }
        static func < (a: Self, b: Self) -> Bool { a.key < b.key || (a.key == b.key && a.text < b.text) }
    }
}

extension NodeSnapshot {
    /// The same snapshot with every list in a canonical order, routes included (a dump keeps routes in
    /// kernel order; an updated snapshot appends new routes): two snapshots of the same state are equal
    /// after this, apart from `hostname` and `capturedAt`. The usage counters (neighbour table entries,
    /// conntrack entries) are zeroed: they change with traffic, not with the state the lists describe.
    public func canonicalized() -> NodeSnapshot {
        var copy = self
        copy.host.ipv4NeighbourTable?.entries = 0
        copy.host.ipv6NeighbourTable?.entries = 0
        copy.host.conntrack?.count = 0
        typealias Order = SnapshotOrdering
        copy.links = Order.sorted(links) { Order.Total(Order.LinkKey($0), $0) }
        copy.addresses = Order.sorted(addresses) { Order.Total(Order.AddressKey($0), $0) }
        copy.routes.sort(by: Order.route)
        copy.neighbours = Order.sorted(neighbours) { Order.Total(Order.NeighbourKey($0), $0) }
        copy.fdb = Order.sorted(fdb) { Order.Total(Order.FDBKey($0), $0) }
        copy.rules = Order.sorted(rules) { Order.Total(Order.RuleKey($0), $0) }
        return copy
    }
}
