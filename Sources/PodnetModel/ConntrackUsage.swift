/// The connection-tracking table of a network namespace (/proc/sys/net/netfilter).
public struct ConntrackUsage: Hashable, Sendable, Codable {
    /// nf_conntrack_count: entries in this namespace.
    public var count: Int
    /// nf_conntrack_max: the limit per namespace (one value for the whole kernel).
    public var max: Int

    public init(count: Int, max: Int) {
        self.count = count
        self.max = max
    }
}
