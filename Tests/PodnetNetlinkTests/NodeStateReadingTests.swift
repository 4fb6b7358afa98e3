import Foundation
import PodnetModel
import PodnetNetlink
import PodnetTestSupport
import Testing

/// The snapshot's non-rtnetlink readings against the kernel's own tools, inside namespaces: VXLAN tx
/// checksum offload (ethtool), conntrack usage (/proc), the neighbour tables (ip ntable), the kernel release.
@Suite("snapshot: offloads, conntrack, neighbour tables, kernel release", .serialized)
struct NodeStateReadingTests {
    @Test("vxlan.calico's tx checksum offload: on as created, off after ethtool -K vxlan.calico tx off")
    func txChecksumOffload() throws {
        try requireRootAndIPRoute2()
        guard resolveExecutable("ethtool") != nil else {
            throw MissingRequirement("ethtool is not installed: run Scripts/deps.sh as root")
        }
        try withCalicoNode { node in
            let namespace = node.namespace
            func offload() throws -> Bool? {
                let snapshot = try namespace.perform { try NetlinkSnapshotReader().snapshot() }
                return snapshot.links.first { $0.name == "vxlan.calico" }?.offloads?.txChecksum
            }
            func ethtoolSays() throws -> String {
                let text = try namespace.exec(["ethtool", "-k", "vxlan.calico"])
                let line = text.split(separator: "\n").first { $0.hasPrefix("tx-checksumming:") } ?? ""
                return line.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            }
            #expect(try ethtoolSays() == "on")
            #expect(try offload() == true)
            try namespace.exec(["ethtool", "-K", "vxlan.calico", "tx", "off"])
            #expect(try ethtoolSays() == "off")
            #expect(try offload() == false)
            // Other links carry no offload reading (one ioctl per VXLAN device only).
            let snapshot = try namespace.perform { try NetlinkSnapshotReader().snapshot() }
            #expect(snapshot.links.filter { $0.offloads != nil }.map(\.name) == ["vxlan.calico"])
        }
    }

    @Test("conntrack usage equals /proc/sys/net/netfilter inside the namespace")
    func conntrack() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "conntrack") { namespace in
            let snapshot = try namespace.perform { try NetlinkSnapshotReader().snapshot() }
            let count = try namespace.exec(["cat", "/proc/sys/net/netfilter/nf_conntrack_count"])
            let max = try namespace.exec(["cat", "/proc/sys/net/netfilter/nf_conntrack_max"])
            let conntrack = try #require(snapshot.host.conntrack, "conntrack is built in on this kernel")
            #expect(conntrack.count == Int(count.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(conntrack.max == Int(max.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
    }

    @Test("the ARP and NDP tables' thresholds equal ip ntable's; the kernel release equals uname -r")
    func neighbourTablesAndRelease() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "ntable") { namespace in
            let snapshot = try namespace.perform { try NetlinkSnapshotReader().snapshot() }
            for (name, table) in [("arp_cache", snapshot.host.ipv4NeighbourTable), ("ndisc_cache", snapshot.host.ipv6NeighbourTable)] {
                let text = try namespace.ip("ntable", "show", "name", name)
                let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
                func value(_ key: String) -> Int? {
                    words.firstIndex(of: key).flatMap { $0 + 1 < words.count ? Int(words[$0 + 1]) : nil }
                }
                let usage = try #require(table, "\(name) missing from the snapshot")
                #expect(usage.gcThresh1 == value("thresh1"), "\(name): \(text)")
                #expect(usage.gcThresh2 == value("thresh2"), "\(name): \(text)")
                #expect(usage.gcThresh3 == value("thresh3"), "\(name): \(text)")
                #expect(usage.entries >= 0)
            }
        }
    }
}
