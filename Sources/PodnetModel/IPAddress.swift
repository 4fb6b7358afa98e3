#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, stored as its integer value.
public enum IPAddress: Hashable, Sendable, Comparable {
    case v4(UInt32)
    case v6(UInt128)

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (including `::ffff:a.b.c.d`).
    public init?(_ text: some StringProtocol) {
        if let v4 = IPAddress.parseIPv4(text) {
            self = .v4(v4)
            return
        }
        // inet_pton reads a C string and would stop at an embedded NUL, accepting `::1\0garbage`.
        guard text.contains(":"), !text.utf8.contains(0), let v6 = IPAddress.parseIPv6(String(text)) else { return nil }
        self = .v6(v6)
    }

    /// Builds an address from network-order bytes (4 or 16 of them).
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            self = .v6(bytes.reduce(0) { $0 << 8 | UInt128($1) })
        default:
            return nil
        }
    }

    /// The address family.
    public var family: AddressFamily { if case .v4 = self { .ipv4 } else { .ipv6 } }

    /// Number of bits in an address of this family (32 or 128).
    public var bitWidth: Int { if case .v4 = self { 32 } else { 128 } }

    /// True for `::ffff:a.b.c.d`.
    public var isIPv4Mapped: Bool {
        if case .v6(let value) = self { return value >> 32 == 0xffff }
        return false
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 address.
    public var unmappedIPv4: IPAddress? {
        if case .v6(let value) = self, isIPv4Mapped { return .v4(UInt32(truncatingIfNeeded: value)) }
        return nil
    }

    /// Network-order bytes.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let value):
            return (0..<16).map { UInt8(truncatingIfNeeded: value >> (120 - 8 * $0)) }
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }

    static func parseIPv4(_ text: some StringProtocol) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                // Leading zeros are rejected: "010" is octal to some parsers, decimal to others.
                if digits == 1 && octet == 0 { return nil }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if digits > 3 || octet > 255 { return nil }
            case UInt8(ascii: "."):
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            default:
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    static func parseIPv6(_ text: String) -> UInt128? {
        var storage = in6_addr()
        let ok = text.withCString { inet_pton(AF_INET6, $0, &storage) }
        guard ok == 1 else { return nil }
        return withUnsafeBytes(of: &storage) { raw in raw.reduce(UInt128(0)) { $0 << 8 | UInt128($1) } }
    }
}

extension IPAddress: CustomStringConvertible {
    /// Text as `ip` prints it (glibc's inet_ntop for IPv6).
    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
        case .v6:
            var storage = in6_addr()
            let raw = bytes
            withUnsafeMutableBytes(of: &storage) { dst in
                for index in 0..<16 { dst[index] = raw[index] }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let text = inet_ntop(AF_INET6, &storage, &buffer, socklen_t(buffer.count))
            return text.map { String(cString: $0) } ?? "::"
        }
    }
}

extension IPAddress: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = IPAddress(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an IP address: \(EchoedInput.quoted(text))")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
