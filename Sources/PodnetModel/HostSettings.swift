/// Namespace-wide settings read over netlink (netconf `all` and `default` entries), not /proc.
public struct HostSettings: Hashable, Sendable, Codable {
    /// net.ipv4.conf.all.forwarding (= net.ipv4.ip_forward).
    public var ipv4Forwarding: Bool?
    /// net.ipv4.conf.all.rp_filter.
    public var ipv4RPFilterAll: Int?
    /// net.ipv4.conf.default.rp_filter.
    public var ipv4RPFilterDefault: Int?
    /// net.ipv6.conf.all.forwarding.
    public var ipv6Forwarding: Bool?

    public init(ipv4Forwarding: Bool? = nil, ipv4RPFilterAll: Int? = nil, ipv4RPFilterDefault: Int? = nil, ipv6Forwarding: Bool? = nil) {
        self.ipv4Forwarding = ipv4Forwarding
        self.ipv4RPFilterAll = ipv4RPFilterAll
        self.ipv4RPFilterDefault = ipv4RPFilterDefault
        self.ipv6Forwarding = ipv6Forwarding
    }
}
