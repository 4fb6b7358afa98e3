import PodnetModel

/// The source address the kernel picks for a packet it sends along a route, as `ip route get`
/// shows it (`src`).
///
/// When several addresses rank equally the kernel takes the one first in the device's address
/// list — for IPv4 the earliest added, for IPv6 the latest added of its scope. The snapshot keeps
/// addresses sorted by value, not in that list's order, so such a tie is reported as a tie (every
/// candidate) rather than guessed.
struct SourceAddressSelection {
    let index: RoutingIndex

    /// The address the kernel picks, or the equally ranked candidates it picks among.
    struct Choice: Sendable {
        /// The candidates, best first; one when the choice is certain, empty when there is none.
        var candidates: [IPAddress]
        /// The kernel's pick when it is certain.
        var address: IPAddress? { candidates.count == 1 ? candidates[0] : nil }
        /// The first candidate (certain or not), for lookups that need some source.
        var first: IPAddress? { candidates.first }
    }

    /// The route's `src` if it has one, else the family's selection on the hop's device.
    func source(route: Route, hop: NextHop, destination: IPAddress) -> Choice {
        if let preferred = route.preferredSource { return Choice(candidates: [preferred]) }
        if route.type == .local, route.family == .ipv4 { return Choice(candidates: [destination]) }
        switch destination.family {
        case .ipv6: return Choice(candidates: ipv6Candidates(device: hop.interfaceIndex, destination: destination))
        default:
            let candidates = ipv4Candidates(device: hop.interfaceIndex, gateway: hop.gateway, scope: route.scope)
            return Choice(candidates: candidates)
        }
    }

    /// `inet_select_addr`: the first primary address on the device whose scope is within the
    /// route's, preferring one whose subnet holds the gateway; failing that, the first suitable
    /// non-link-scope address of the first device (in ifindex order) that has one. Returns every
    /// address that could be that first one.
    func ipv4Candidates(device: InterfaceIndex?, gateway: IPAddress?, scope: RouteScope) -> [IPAddress] {
        if let device {
            var eligible: [IPAddress] = []
            var holdingGateway: [IPAddress] = []
            for address in index.addressesByInterface[device] ?? [] where address.family == .ipv4 {
                if address.flags.contains(.secondary) || address.scope.rawValue > scope.rawValue { continue }
                eligible.append(address.prefix.address)
                if let gateway {
                    let local = address.peer ?? address.prefix.address
                    let subnet = IPPrefix(address: local, length: address.prefix.length)
                    if subnet?.contains(gateway) == true { holdingGateway.append(address.prefix.address) }
                }
            }
            if !holdingGateway.isEmpty { return holdingGateway }
            if !eligible.isEmpty { return eligible }
        }
        for link in index.linksInOrder {
            let eligible = (index.addressesByInterface[link.index] ?? []).filter { address in
                address.family == .ipv4 && !address.flags.contains(.secondary) && address.scope != .link
                    && address.scope.rawValue <= scope.rawValue
            }
            if !eligible.isEmpty { return eligible.map(\.prefix.address) }
        }
        return []
    }

    /// `ipv6_dev_get_saddr` (RFC 6724 source selection as Linux implements it): rule 1 the same
    /// address, 2 the smallest sufficient scope, 3 not deprecated, 5 on the outgoing device,
    /// 6 matching label, 8 the longest common prefix. Link-local and multicast destinations take
    /// candidates from the outgoing device only. Returns every candidate of the best rank.
    func ipv6Candidates(device: InterfaceIndex?, destination: IPAddress) -> [IPAddress] {
        let destinationScope = Self.ipv6Scope(destination)
        let destinationLabel = Self.ipv6Label(destination)
        var devices: [InterfaceIndex] = []
        if let device, destinationScope <= 0x2 || Self.isMulticast(destination) {
            devices = [device]
        } else {
            devices = index.linksInOrder.map(\.index)
        }
        var bestScore: [Int]?
        var best: [IPAddress] = []
        for candidateDevice in devices {
            for address in index.addressesByInterface[candidateDevice] ?? [] where address.family == .ipv6 {
                if address.flags.contains(.tentative) { continue }
                let value = address.prefix.address
                let scope = Self.ipv6Scope(value)
                let scopeScore = scope >= destinationScope ? -scope : scope - 128
                let score = [
                    value == destination ? 1 : 0,
                    scopeScore,
                    address.flags.contains(AddressFlags(rawValue: 0x20)) ? 0 : 1,
                    device == nil || candidateDevice == device ? 1 : 0,
                    Self.ipv6Label(value) == destinationLabel ? 1 : 0,
                    min(Self.commonPrefixLength(value, destination), address.prefix.length),
                ]
                if let current = bestScore, !current.lexicographicallyPrecedes(score) {
                    if current == score { best.append(value) }
                    continue
                }
                bestScore = score
                best = [value]
            }
        }
        return best
    }

    static func isMulticast(_ address: IPAddress) -> Bool {
        if case .v6(let bits) = address { return bits >> 120 == 0xff }
        return false
    }

    /// IPv6 address scope as the kernel ranks it: 1 interface-local (::1), 2 link-local, 5 site,
    /// 14 global (ULA included); multicast by its scope field.
    static func ipv6Scope(_ address: IPAddress) -> Int {
        guard case .v6(let bits) = address else { return 14 }
        if bits == 1 { return 1 }
        if bits >> 120 == 0xff { return Int((bits >> 112) & 0xf) }
        if bits >> 118 == 0x3fa { return 2 }  // fe80::/10
        if bits >> 118 == 0x3fb { return 5 }  // fec0::/10
        return 14
    }

    /// RFC 6724's default policy table labels.
    static func ipv6Label(_ address: IPAddress) -> Int {
        guard case .v6(let bits) = address else { return 4 }
        let table: [(UInt128, Int, Int)] = [
            (1, 128, 0), (0xffff_0000_0000, 96, 4), (0x2001_0000 << 96, 32, 5), (0x2002 << 112, 16, 2),
            (0, 96, 3), (0xfc << 120, 7, 13), (0xfec0 << 112, 10, 11), (0x3ffe << 112, 16, 12),
        ]
        var best = (length: -1, label: 1)
        for (prefix, length, label) in table where length > best.length {
            let mask: UInt128 = length == 0 ? 0 : UInt128.max << (128 - length)
            if bits & mask == prefix & mask { best = (length, label) }
        }
        return best.label
    }

    static func commonPrefixLength(_ a: IPAddress, _ b: IPAddress) -> Int {
        switch (a, b) {
        case (.v6(let x), .v6(let y)): return (x ^ y).leadingZeroBitCount
        case (.v4(let x), .v4(let y)): return (x ^ y).leadingZeroBitCount
        default: return 0
        }
    }
}
