/// An address with a prefix length (`192.168.0.0/26`, `fd00::/122`).
///
/// `address` keeps host bits as given (an interface address `10.0.0.5/24`);
/// `network` is the canonical block. Equality compares address and length as given.
public struct IPPrefix: Hashable, Sendable, Comparable {
    public let address: IPAddress
    public let length: Int

    /// A prefix; nil when the length exceeds the family's width.
    public init?(address: IPAddress, length: Int) {
        guard length >= 0, length <= address.bitWidth else { return nil }
        self.address = address
        self.length = length
    }

    /// A whole-address prefix (/32 or /128).
    public init(host: IPAddress) {
        self.address = host
        self.length = host.bitWidth
    }

    /// Parses `a.b.c.d/n`, `x::y/n`, or a bare address (host prefix).
    public init?(_ text: some StringProtocol) {
        if let slash = text.firstIndex(of: "/") {
            let lengthText = text[text.index(after: slash)...]
            guard let address = IPAddress(text[..<slash]),
                !lengthText.isEmpty, lengthText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), lengthText.count <= 3,
                let length = Int(lengthText)
            else { return nil }
            self.init(address: address, length: length)
        } else {
            guard let address = IPAddress(text) else { return nil }
            self.init(host: address)
        }
    }

    /// The family's default route (`0.0.0.0/0` or `::/0`).
    public static func defaultRoute(_ family: AddressFamily) -> IPPrefix {
        family == .ipv6 ? IPPrefix(host: .v6(0)).withLength(0) : IPPrefix(host: .v4(0)).withLength(0)
    }

    public var family: AddressFamily { address.family }

    /// True when every address is covered (length 0).
    public var isDefault: Bool { length == 0 }

    /// True for /32 and /128.
    public var isHost: Bool { length == address.bitWidth }

    /// The prefix with host bits cleared.
    public var network: IPPrefix { IPPrefix(uncheckedAddress: masked(address), length: length) }

    /// True when `address` has no host bits set.
    public var isCanonical: Bool { masked(address) == address }

    /// The same address with another length (clamped to the family width).
    public func withLength(_ newLength: Int) -> IPPrefix {
        IPPrefix(uncheckedAddress: address, length: max(0, min(newLength, address.bitWidth)))
    }

    /// Whether the address lies inside this prefix. Families never mix:
    /// an IPv4-mapped IPv6 address is not inside an IPv4 prefix.
    public func contains(_ other: IPAddress) -> Bool {
        guard other.family == address.family else { return false }
        return masked(other) == masked(address)
    }

    /// Whether `other` lies entirely inside this prefix.
    public func contains(_ other: IPPrefix) -> Bool {
        other.length >= length && contains(other.address)
    }

    /// Whether the two prefixes share at least one address.
    public func overlaps(_ other: IPPrefix) -> Bool {
        contains(other) || other.contains(self)
    }

    /// Number of addresses covered, saturating at UInt128.max for ::/0.
    public var addressCount: UInt128 {
        let hostBits = address.bitWidth - length
        return hostBits >= 128 ? UInt128.max : UInt128(1) << hostBits
    }

    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }

    private init(uncheckedAddress: IPAddress, length: Int) {
        self.address = uncheckedAddress
        self.length = length
    }

    private func masked(_ value: IPAddress) -> IPAddress {
        switch value {
        case .v4(let bits):
            return .v4(length == 0 ? 0 : bits & (UInt32.max << (32 - length)))
        case .v6(let bits):
            return .v6(length == 0 ? 0 : bits & (UInt128.max << (128 - length)))
        }
    }
}

extension IPPrefix: CustomStringConvertible {
    /// Always `address/length`, as podnetd's JSON and config use it.
    public var description: String { "\(address)/\(length)" }

    /// As `ip route` prints a destination: `default`, a bare host address, or `a/n`.
    public var routeDescription: String {
        if length == 0 { return "default" }
        if isHost { return address.description }
        return description
    }
}

extension IPPrefix: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let prefix = IPPrefix(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an IP prefix: \(EchoedInput.quoted(text))")
        }
        self = prefix
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
