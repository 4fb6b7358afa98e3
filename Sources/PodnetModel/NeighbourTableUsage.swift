/// A kernel neighbour table (ARP or NDP) and the thresholds its garbage collector works against
/// (RTM_GETNEIGHTBL: NDTA_THRESH1–3, NDTA_CONFIG's entry count).
///
/// The table is one per family for the whole kernel, shared by every network namespace: `entries`
/// counts the entries of all namespaces (pods' included), permanent ones too, and the thresholds are
/// `net.ipv4.neigh.default.gc_thresh1–3` of the initial namespace (not visible in others).
public struct NeighbourTableUsage: Hashable, Sendable, Codable {
    /// Entries in the table (`ip -s ntable show`'s `entries`), permanent ones included.
    public var entries: Int
    public var gcThresh1: Int
    public var gcThresh2: Int
    /// The hard limit: the kernel refuses new non-permanent entries above it ("neighbour table overflow").
    public var gcThresh3: Int

    public init(entries: Int, gcThresh1: Int, gcThresh2: Int, gcThresh3: Int) {
        self.entries = entries
        self.gcThresh1 = gcThresh1
        self.gcThresh2 = gcThresh2
        self.gcThresh3 = gcThresh3
    }
}
