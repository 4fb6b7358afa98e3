import CNetlink
import PodnetModel

/// RTM_NEWNEIGHTBL (the answer to an RTM_GETNEIGHTBL dump) → `NeighbourTableUsage`.
///
/// A dump answers with one message per table (name, GC thresholds, NDTA_CONFIG with the entry count)
/// and one per device's parameters (NDTA_PARMS only); the latter are skipped. libnl has no parser for
/// these, so the attributes are read here.
enum NeighbourTableConverter {
    /// Size of `struct ndtmsg` (family and padding).
    static let familyHeaderSize = 4

    // NDTA_* attribute types (linux/neighbour.h).
    private static let thresh1: UInt16 = 2
    private static let thresh2: UInt16 = 3
    private static let thresh3: UInt16 = 4
    private static let config: UInt16 = 5
    /// Offset of `ndtc_entries` in `struct ndt_config` (after two u16 sizes).
    private static let entriesOffset = 4

    /// The family and usage of a table message; nil for per-device parameter messages.
    static func usage(from message: NetlinkMessage) -> (AddressFamily, NeighbourTableUsage)? {
        guard message.hasFamilyHeader(familyHeaderSize), let family = message.ipFamily else { return nil }
        let attributes = message.attributes(afterFamilyHeader: familyHeaderSize)
        guard let gc1 = attributes.first(thresh1)?.u32, let gc2 = attributes.first(thresh2)?.u32,
            let gc3 = attributes.first(thresh3)?.u32, let config = attributes.first(config),
            config.value.count >= entriesOffset + 4
        else { return nil }
        let entries = config.value.loadUnaligned(fromByteOffset: entriesOffset, as: UInt32.self)
        return (
            family,
            NeighbourTableUsage(entries: Int(entries), gcThresh1: Int(gc1), gcThresh2: Int(gc2), gcThresh3: Int(gc3))
        )
    }
}
