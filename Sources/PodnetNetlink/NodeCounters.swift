import CNetlink
import PodnetModel

#if canImport(Glibc)
import Glibc
#endif

/// What the snapshot reads besides rtnetlink: the namespace's conntrack usage
/// (/proc/sys/net/netfilter, per network namespace) and VXLAN devices' checksum offload (ethtool).
/// All of it needs no privileges.
enum NodeCounters {
    /// nf_conntrack_count and nf_conntrack_max of the calling thread's namespace; nil when conntrack is
    /// not loaded (the files do not exist) or cannot be read.
    static func conntrack(directory: String = "/proc/sys/net/netfilter") -> ConntrackUsage? {
        guard let count = integer(inFile: directory + "/nf_conntrack_count"),
            let max = integer(inFile: directory + "/nf_conntrack_max")
        else { return nil }
        return ConntrackUsage(count: count, max: max)
    }

    /// The decimal integer a small /proc file holds.
    static func integer(inFile path: String) -> Int? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return Int(text.drop { $0 == " " }.prefix { $0.isNumber })
    }

    /// Transmit checksum offload of interface `name` (ETHTOOL_GTXCSUM); nil when the ioctl fails
    /// (the interface vanished, or the driver has no ethtool operations).
    static func offloads(interface name: String) -> LinkOffloads? {
        var enabled: Int32 = 0
        let result = name.withCString { cnetlink_tx_checksum($0, &enabled) }
        return result == 0 ? LinkOffloads(txChecksum: enabled != 0) : nil
    }
}
