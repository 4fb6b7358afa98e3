/// Offload features of an interface, as `ethtool -k` shows them.
public struct LinkOffloads: Hashable, Sendable, Codable {
    /// Transmit checksum offload (`tx-checksumming`): any tx-checksum-* feature on.
    public var txChecksum: Bool

    public init(txChecksum: Bool) { self.txChecksum = txChecksum }
}
