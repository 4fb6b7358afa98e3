import Foundation
import PodnetModel
import PodnetNetlink
import PodnetTestSupport
import Testing

/// `NetlinkSnapshotReader` run inside a Calico-VXLAN node namespace reports, object by object, what
/// `ip -j` and `bridge -j` report in the same namespace.
@Suite struct SnapshotMatchesIPRoute2Tests {
    /// The standard Calico node plus one of every kind of object the reader must get right.
    static func buildAssortedNode(_ node: CalicoNode) throws {
        let ns = node.namespace
        // Routes: multipath (table > 255), IPv6 multipath, unreachable/prohibit/blackhole, tos, prefsrc,
        // metric, IPv4 via an IPv6 gateway, an IPv6 source-specific route.
        try ns.ip(
            "route", "add", "10.20.0.0/24", "table", "1000", "nexthop", "via", "10.0.0.1", "dev", "eth0", "weight", "2",
            "nexthop", "via", "10.0.0.2", "dev", "eth0", "weight", "5")
        try ns.ip(
            "-6", "route", "add", "fd00:77::/64", "nexthop", "via", "fd00:10::1", "dev", "eth0", "weight", "3",
            "nexthop",
            "via", "fd00:10::2", "dev", "eth0")
        try ns.ip("route", "add", "unreachable", "10.30.0.0/16", "metric", "50")
        try ns.ip("route", "add", "prohibit", "10.31.0.0/16")
        try ns.ip("-6", "route", "add", "blackhole", "fd00:66::/64")
        try ns.ip("route", "add", "10.40.0.0/24", "tos", "0x10", "via", "10.0.0.1", "dev", "eth0")
        try ns.ip("route", "add", "10.41.0.0/24", "via", "10.0.0.1", "dev", "eth0", "src", "10.0.0.10", "metric", "7")
        try ns.ip("route", "add", "10.50.0.0/24", "via", "inet6", "fd00:10::1", "dev", "eth0")
        try ns.ip("-6", "route", "add", "fd00:88::/64", "from", "fd00:10::/64", "via", "fd00:10::1", "dev", "eth0")
        try ns.ip("route", "add", "10.60.0.0/24", "dev", "eth0", "metric", "100", "proto", "static", "scope", "link")

        // Addresses: a secondary, a labelled one, a point-to-point peer, IPv6 with flags, on a down veth.
        // (veth everywhere: this kernel has no dummy driver.)
        try ns.ip("addr", "add", "10.0.0.11/24", "dev", "eth0")
        try ns.ip("addr", "add", "10.0.0.12/24", "dev", "eth0", "label", "eth0:1")
        try ns.ip("link", "add", "dummy1", "type", "veth", "peer", "name", "dummy1p")
        try ns.ip("addr", "add", "10.77.0.1", "peer", "10.77.0.2/32", "dev", "dummy1")
        try ns.ip("-6", "addr", "add", "fd00:20::1/64", "dev", "dummy1", "noprefixroute", "nodad")

        // Neighbours: IPv6 router entry, a stale IPv4 one, a NOARP one (hidden by `ip neigh show` and podnetd).
        try ns.ip(
            "-6", "neigh", "add", "fd00:10::99", "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "permanent",
            "router")
        try ns.ip("neigh", "add", "10.0.0.77", "lladdr", "02:00:00:00:00:77", "dev", "eth0", "nud", "stale")
        try ns.ip("neigh", "add", "10.0.0.88", "lladdr", "02:00:00:00:00:88", "dev", "eth0", "nud", "noarp")

        // Bridge FDB: a bridge with a port and a static entry; a VXLAN entry with its own VNI. (This kernel's
        // bridge has no VLAN filtering, so no entry carries a VLAN.)
        try ns.ip("link", "add", "br0", "type", "bridge")
        try ns.ip("link", "add", "dummy0", "type", "veth", "peer", "name", "dummy0p")
        try ns.ip("link", "set", "dummy0", "master", "br0")
        try ns.ip("link", "set", "dummy0", "up")
        try ns.ip("link", "set", "br0", "up")
        try ns.bridge("fdb", "add", "02:00:00:00:aa:01", "dev", "dummy0", "master", "static")
        try ns.bridge(
            "fdb", "add", "02:00:00:00:50:00", "dev", "vxlan.calico", "dst", "10.0.0.30", "vni", "5000", "self",
            "permanent")

        // Rules: fwmark/mask with iif, inverted with oif/tos/suppress_prefixlength, goto, unreachable, IPv6.
        try ns.ip("rule", "add", "fwmark", "0x1/0xff", "iif", "eth0", "lookup", "100", "priority", "1000")
        try ns.ip(
            "rule", "add", "not", "to", "10.99.0.0/16", "oif", "vxlan.calico", "tos", "0x10", "lookup", "main",
            "suppress_prefixlength", "0", "priority", "1100")
        try ns.ip("rule", "add", "from", "10.97.0.0/16", "goto", "1536", "priority", "1200")
        try ns.ip("rule", "add", "from", "10.98.0.0/16", "unreachable", "priority", "1300")
        try ns.ip("-6", "rule", "add", "from", "fd00:10::/64", "lookup", "200", "priority", "500")

        // Sysctls: per-interface and all/default.
        try ns.sysctl("net.ipv4.conf.eth0.rp_filter", "2")
        try ns.sysctl("net.ipv4.conf.all.rp_filter", "1")
        try ns.sysctl("net.ipv4.conf.default.rp_filter", "2")
        try ns.sysctl("net/ipv6/conf/vxlan.calico/forwarding", "1")
    }

    /// Builds the assorted node and reads it both ways: iproute2, podnetd, iproute2 again, until the two
    /// iproute2 reads agree (the kernel may still be settling, e.g. a neighbour being resolved).
    static func readBothWays() throws -> (NodeSnapshot, IPRoute2View) {
        try requireRootAndIPRoute2()
        return try withCalicoNode { node in
            try buildAssortedNode(node)
            var attempt = 0
            while true {
                attempt += 1
                let before = try IPRoute2View(node.namespace)
                let snapshot = try node.namespace.perform { try NetlinkSnapshotReader().snapshot() }
                let after = try IPRoute2View(node.namespace)
                if before.fingerprint == after.fingerprint || attempt == 5 { return (snapshot, after) }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    @Test func linksMatchIPLinkShow() throws {
        let (snapshot, view) = try Self.readBothWays()
        let names = view.indexByName
        let expected = view.links.map { canonicalLink($0, names: names) }
        let actual = snapshot.links.map(canonical)
        #expect(actual.count == expected.count)
        let difference = multisetDifference(expected: expected, actual: actual)
        #expect(difference.isEmpty, "\(difference)")
        #expect(snapshot.links.map(\.index) == snapshot.links.map(\.index).sorted(), "links are ordered by index")
        // The scenario's own pieces, spelled out.
        let vxlan = try #require(snapshot.links.first { $0.name == "vxlan.calico" })
        let eth0 = try #require(snapshot.links.first { $0.name == "eth0" })
        #expect(vxlan.kind == "vxlan")
        #expect(vxlan.mtu == 8951)
        #expect(
            vxlan.vxlan
                == VXLANInfo(
                    vni: 4096, port: 4789, local: IPAddress("10.0.0.10"), underlayIndex: eth0.index, learning: false))
        let calis = snapshot.links.filter { $0.name.hasPrefix("cali") }
        #expect(calis.count == 3)
        for cali in calis {
            #expect(cali.mac == HardwareAddress("ee:ee:ee:ee:ee:ee"))
            #expect(cali.kind == "veth")
            #expect(cali.parentNetnsID != nil, "the peer lives in the pod namespace")
        }
        #expect(snapshot.links.first { $0.name == "lo" }?.kind == "device")
        #expect(
            snapshot.links.first { $0.name == "dummy0" }?.masterIndex
                == snapshot.links.first { $0.name == "br0" }?.index)
    }

    @Test func deviceSettingsMatchProcSys() throws {
        let (snapshot, view) = try Self.readBothWays()
        for link in snapshot.links {
            let ipv4 = try #require(link.ipv4, "\(link.name) has IPv4 devconf")
            #expect(
                ipv4.forwarding == (view.sysctls["ipv4/\(link.name)/forwarding"] == 1), "\(link.name) ipv4 forwarding")
            #expect(ipv4.rpFilter == view.sysctls["ipv4/\(link.name)/rp_filter"], "\(link.name) rp_filter")
            #expect(ipv4.proxyARP == (view.sysctls["ipv4/\(link.name)/proxy_arp"] == 1), "\(link.name) proxy_arp")
            let ipv6 = try #require(link.ipv6, "\(link.name) has IPv6 devconf")
            #expect(
                ipv6.forwarding == (view.sysctls["ipv6/\(link.name)/forwarding"] == 1), "\(link.name) ipv6 forwarding")
        }
        #expect(snapshot.links.first { $0.name.hasPrefix("cali") }?.ipv4?.proxyARP == true)
        #expect(snapshot.links.first { $0.name == "eth0" }?.ipv4?.rpFilter == 2)
        #expect(snapshot.links.first { $0.name == "vxlan.calico" }?.ipv6?.forwarding == true)
        // The usage readings (neighbour tables, conntrack) have tests of their own (NodeStateReadingTests).
        var sysctls = snapshot.host
        sysctls.ipv4NeighbourTable = nil
        sysctls.ipv6NeighbourTable = nil
        sysctls.conntrack = nil
        #expect(
            sysctls
                == HostSettings(
                    ipv4Forwarding: view.sysctls["ipv4/all/forwarding"] == 1,
                    ipv4RPFilterAll: view.sysctls["ipv4/all/rp_filter"],
                    ipv4RPFilterDefault: view.sysctls["ipv4/default/rp_filter"],
                    ipv6Forwarding: view.sysctls["ipv6/all/forwarding"] == 1))
        #expect(
            sysctls == HostSettings(ipv4Forwarding: true, ipv4RPFilterAll: 1, ipv4RPFilterDefault: 2, ipv6Forwarding: false)
        )
    }

    @Test func addressesMatchIPAddrShow() throws {
        let (snapshot, view) = try Self.readBothWays()
        let expected = canonicalAddresses(view.addresses)
        let actual = snapshot.addresses.map(canonical)
        #expect(actual.count == expected.count)
        let difference = multisetDifference(expected: expected, actual: actual)
        #expect(difference.isEmpty, "\(difference)")
        let ordered = snapshot.addresses.sorted {
            ($0.interfaceIndex, $0.family == .ipv4 ? 0 : 1, $0.prefix) < (
                $1.interfaceIndex, $1.family == .ipv4 ? 0 : 1, $1.prefix
            )
        }
        #expect(snapshot.addresses == ordered, "addresses are ordered by (ifindex, family, address)")
        #expect(snapshot.addresses.contains { $0.prefix == IPPrefix("192.168.231.0/32") })
        #expect(
            snapshot.addresses.contains { $0.prefix == IPPrefix("10.77.0.1/32") && $0.peer == IPAddress("10.77.0.2") })
    }

    @Test func everyRouteOfEveryTableMatchesIPRouteShow() throws {
        let (snapshot, view) = try Self.readBothWays()
        let names = view.indexByName
        for (family, listing) in [(AddressFamily.ipv4, view.routes4), (.ipv6, view.routes6)] {
            let expected = listing.map { canonicalRoute($0, family: family, names: names) }
            let routes = snapshot.routes.filter { $0.family == family }
            // Exactly as many: the libnl route cache loses routes differing only in device (fe80::/64 …).
            #expect(routes.count == expected.count, "\(family) route count")
            let difference = multisetDifference(expected: expected, actual: routes.map(canonical))
            #expect(difference.isEmpty, "\(family):\n\(difference)")
        }
        #expect(
            snapshot.routes.firstIndex { $0.family == .ipv6 } ?? 0 >= snapshot.routes.lastIndex { $0.family == .ipv4 }
                ?? 0)
        // fe80::/64 of every interface with a link-local address (the libnl route cache keeps one).
        let linkLocal = snapshot.routes.filter { $0.destination == IPPrefix("fe80::/64") }
        #expect(linkLocal.count >= 5)
        #expect(linkLocal.count == view.routes6.count { ($0["dst"] as? String) == "fe80::/64" })
        let remote = try #require(snapshot.routes.first { $0.destination == IPPrefix("192.168.35.0/26") })
        #expect(remote.protocol_ == .felix)
        #expect(remote.nextHops.first?.isOnlink == true)
        #expect(remote.gateway == IPAddress("192.168.35.0"))
        let multipath = try #require(snapshot.routes.first { $0.destination == IPPrefix("10.20.0.0/24") })
        #expect(multipath.table == RouteTable(1000))
        #expect(multipath.nextHops.map(\.weight) == [2, 5])
        #expect(snapshot.routes.first { $0.destination == IPPrefix("192.168.231.0/26") }?.type == .blackhole)
    }

    @Test func neighboursMatchIPNeighShow() throws {
        let (snapshot, view) = try Self.readBothWays()
        let names = view.indexByName
        let expected = (view.neighbours4 + view.neighbours6).map { canonicalNeighbour($0, names: names) }
        let actual = snapshot.neighbours.map(canonical)
        #expect(actual.count == expected.count)
        let difference = multisetDifference(expected: expected, actual: actual)
        #expect(difference.isEmpty, "\(difference)")
        let vtep = try #require(snapshot.neighbours.first { $0.address == IPAddress("192.168.35.0") })
        #expect(vtep.mac == HardwareAddress("66:35:00:00:00:20"))
        #expect(vtep.state == .permanent)
        #expect(
            !snapshot.neighbours.contains { $0.address == IPAddress("10.0.0.88") }, "NOARP entries are not reported")
    }

    @Test func fdbMatchesBridgeFDBShow() throws {
        let (snapshot, view) = try Self.readBothWays()
        let names = view.indexByName
        let expected = view.fdb.filter(isReportedFDB).map { canonicalFDB($0, names: names) }
        let actual = snapshot.fdb.map(canonical)
        #expect(actual.count == expected.count)
        let difference = multisetDifference(expected: expected, actual: actual)
        #expect(difference.isEmpty, "\(difference)")
        let vtep = try #require(snapshot.fdb.first { $0.mac == HardwareAddress("66:35:00:00:00:20") })
        #expect(vtep.destination == IPAddress("10.0.0.20"))
        #expect(vtep.flags.contains(.self))
        #expect(snapshot.fdb.contains { $0.vni == 5000 && $0.destination == IPAddress("10.0.0.30") })
        #expect(snapshot.fdb.contains { $0.mac == HardwareAddress("02:00:00:00:aa:01") && $0.masterIndex != nil })
    }

    @Test func rulesMatchIPRuleShow() throws {
        let (snapshot, view) = try Self.readBothWays()
        let expected =
            view.rules4.map { canonicalRule($0, family: .ipv4) } + view.rules6.map { canonicalRule($0, family: .ipv6) }
        let actual = snapshot.rules.map(canonical)
        #expect(actual.count == expected.count)
        let difference = multisetDifference(expected: expected, actual: actual)
        #expect(difference.isEmpty, "\(difference)")
        #expect(
            snapshot.rules.contains {
                $0.priority == 1536 && $0.from == IPPrefix("192.168.231.1/32") && $0.table == RouteTable(2)
            })
        #expect(snapshot.rules.allSatisfy { $0.family == .ipv4 || $0.family == .ipv6 })
    }
}
