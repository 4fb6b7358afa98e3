import PodnetModel

/// Longest-prefix match over the main routing table: which route the kernel takes to a destination
/// when no policy rule sends it elsewhere. Enough to tell the interface that reaches a remote node; it
/// ignores rules, metrics between equal prefixes (the lowest priority wins here) and TOS.
struct MainTableLookup {
    private var routesByKey: [Key: Int] = [:]
    private var lengthsV4: [Int] = []
    private var lengthsV6: [Int] = []
    private let routes: [Route]

    private struct Key: Hashable {
        let network: IPAddress
        let length: Int
    }

    /// Indexes the main table's unicast, blackhole, unreachable and prohibit routes of `snapshot` (the
    /// last three answer "no route") that contain one of `destinations`, the only addresses `route(to:)`
    /// will be asked for. One pass; a binary search per route instead of hashing 100k routes.
    init(snapshot: NodeSnapshot, destinations: [IPAddress]) {
        routes = snapshot.routes
        let sorted = destinations.sorted()
        func containsDestination(_ prefix: IPPrefix) -> Bool {
            let first = prefix.address
            var low = 0
            var high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                if sorted[middle] < first { low = middle + 1 } else { high = middle }
            }
            return low < sorted.count && sorted[low] <= Analysis.lastAddress(of: prefix)
        }
        var lengths: [AddressFamily: Set<Int>] = [:]
        for position in routes.indices {
            let route = routes[position]
            guard route.table == .main, route.type == .unicast || route.type == .blackhole
                || route.type == .unreachable || route.type == .prohibit, containsDestination(route.destination.network)
            else { continue }
            let key = Key(network: route.destination.network.address, length: route.destination.length)
            if let existing = routesByKey[key], routes[existing].priority <= route.priority { continue }
            routesByKey[key] = position
            lengths[route.family, default: []].insert(route.destination.length)
        }
        lengthsV4 = (lengths[.ipv4] ?? []).sorted(by: >)
        lengthsV6 = (lengths[.ipv6] ?? []).sorted(by: >)
    }

    /// The most specific main-table route containing `address` (one of the destinations given); nil
    /// when none does.
    func route(to address: IPAddress) -> Route? {
        for length in address.family == .ipv6 ? lengthsV6 : lengthsV4 {
            let network = IPPrefix(host: address).withLength(length).network.address
            if let position = routesByKey[Key(network: network, length: length)] { return routes[position] }
        }
        return nil
    }
}
