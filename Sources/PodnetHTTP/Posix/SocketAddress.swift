import Glibc

/// An IPv4 or IPv6 socket address parsed from a numeric host literal.
enum SocketAddress {
    case v4(sockaddr_in)
    case v6(sockaddr_in6)

    /// Parses `host` (an IPv4 literal, an IPv6 literal, or one in brackets); nil for anything else.
    init?(host: String, port: UInt16) {
        var literal = Substring(host)
        if literal.hasPrefix("[") && literal.hasSuffix("]") {
            literal = literal.dropFirst().dropLast()
        }
        let text = String(literal)
        var address4 = in_addr()
        if inet_pton(AF_INET, text, &address4) == 1 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = address4
            self = .v4(address)
            return
        }
        var address6 = in6_addr()
        if inet_pton(AF_INET6, text, &address6) == 1 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_addr = address6
            self = .v6(address)
            return
        }
        return nil
    }

    /// The address family for `socket(2)`.
    var family: Int32 {
        switch self {
        case .v4: AF_INET
        case .v6: AF_INET6
        }
    }

    /// Whether this is the IPv6 unspecified address `::` (then the socket also accepts IPv4).
    var isIPv6Unspecified: Bool {
        guard case .v6(var address) = self else { return false }
        return withUnsafeBytes(of: &address.sin6_addr) { bytes in bytes.allSatisfy { $0 == 0 } }
    }

    /// Calls `body` with a `sockaddr` pointer and length for `bind(2)`.
    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch self {
        case .v4(var address):
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(var address):
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// The numeric host and port held in `storage`, or nil for a family other than IPv4/IPv6.
    static func describe(_ storage: sockaddr_storage) -> SocketAddressDescription? {
        var storage = storage
        return withUnsafePointer(to: &storage) { pointer -> SocketAddressDescription? in
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var raw = address.pointee.sin_addr
                    guard inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)) != nil else { return nil }
                    return SocketAddressDescription(
                        host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                        port: UInt16(bigEndian: address.pointee.sin_port)
                    )
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return nil }
                    return SocketAddressDescription(
                        host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                        port: UInt16(bigEndian: address.pointee.sin6_port)
                    )
                }
            default:
                return nil
            }
        }
    }
}
