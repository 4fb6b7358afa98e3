import PodnetModel

/// A hash table from addresses or prefixes to small integers with a cheap multiplicative hash (no
/// SipHash): for per-route lookups of tunnel IPs and block destinations, which happen once per route
/// on nodes with 100k routes. Swift's `Set`/`Dictionary` of `IPPrefix` cost a seeded SipHash per
/// lookup: half the analysis time on a node with 10,000 remote blocks (perf, bench-cluster.sh).
struct AddressSlots: Sendable {
    private var keys: [UInt128]
    /// Family and prefix length of each key: an address and the prefixes starting at it differ here; 0: unused.
    private var tags: [UInt16]
    private var values: [Int32]
    private let mask: Int
    private(set) var count = 0

    /// A table for up to `capacity` keys.
    init(capacity: Int) {
        var size = 16
        while size * 2 < capacity * 3 { size <<= 1 }  // at most two thirds full: 352 KiB for 10,000 blocks
        keys = [UInt128](repeating: 0, count: size)
        tags = [UInt16](repeating: 0, count: size)
        values = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    /// An address is keyed as the host prefix of its family.
    private static func key(_ address: IPAddress) -> (UInt128, UInt16) {
        switch address {
        case .v4(let bits): return (UInt128(bits), 0x100 | 32)
        case .v6(let bits): return (bits, 0x200 | 128)
        }
    }

    /// A prefix is keyed by its address as given: callers pass canonical (`network`) prefixes.
    private static func key(_ prefix: IPPrefix) -> (UInt128, UInt16) {
        let (bits, _) = key(prefix.address)
        let family: UInt16 = prefix.family == .ipv6 ? 0x200 : 0x100
        return (bits, family | UInt16(truncatingIfNeeded: prefix.length))
    }

    private func bucket(_ key: UInt128, _ tag: UInt16) -> Int {
        let folded =
            (UInt64(truncatingIfNeeded: key) ^ UInt64(truncatingIfNeeded: key >> 64) &* 0x9E37_79B9_7F4A_7C15)
            ^ UInt64(tag)
        return Int(truncatingIfNeeded: (folded &* 0xBF58_476D_1CE4_E5B9) >> 32) & mask
    }

    private mutating func insert(key: UInt128, tag: UInt16, _ value: Int) {
        var position = bucket(key, tag)
        while tags[position] != 0 {
            if keys[position] == key && tags[position] == tag { return }
            position = (position + 1) & mask
        }
        keys[position] = key
        tags[position] = tag
        values[position] = Int32(value)
        count += 1
    }

    private func find(key: UInt128, tag: UInt16) -> Int? {
        var position = bucket(key, tag)
        while tags[position] != 0 {
            if keys[position] == key && tags[position] == tag { return Int(values[position]) }
            position = (position + 1) & mask
        }
        return nil
    }

    /// Sets `address`'s value (the first one given wins).
    mutating func insert(_ address: IPAddress, _ value: Int) {
        let (key, tag) = Self.key(address)
        insert(key: key, tag: tag, value)
    }

    /// Sets `prefix`'s value (the first one given wins).
    mutating func insert(_ prefix: IPPrefix, _ value: Int) {
        let (key, tag) = Self.key(prefix)
        insert(key: key, tag: tag, value)
    }

    subscript(address: IPAddress) -> Int? {
        let (key, tag) = Self.key(address)
        return find(key: key, tag: tag)
    }

    subscript(prefix: IPPrefix) -> Int? {
        let (key, tag) = Self.key(prefix)
        return find(key: key, tag: tag)
    }
}
