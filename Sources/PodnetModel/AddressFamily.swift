/// The address families podnetd reports on.
public enum AddressFamily: String, Hashable, Sendable, Codable, CaseIterable {
    case ipv4 = "inet"
    case ipv6 = "inet6"
    /// Bridge FDB entries and `ip rule` dumps of other families.
    case bridge

    /// The kernel's AF_* number.
    public var kernelValue: UInt8 {
        switch self {
        case .ipv4: 2
        case .ipv6: 10
        case .bridge: 7
        }
    }

    /// The family for a kernel AF_* number, if podnetd models it.
    public init?(kernelValue: Int) {
        switch kernelValue {
        case 2: self = .ipv4
        case 10: self = .ipv6
        case 7: self = .bridge
        default: return nil
        }
    }
}
