import Foundation
import PodnetModel
import PodnetTestSupport
import Testing

@testable import PodnetNetlink

/// Changes the kernel announces in ways that are easy to misapply: replaced routes, routes differing
/// only in device or gateway, IPv6 multipath routes, FDB replaces and moves, nexthop objects, rules with
/// selectors podnetd does not model. Each ends with the maintained snapshot equal to a fresh dump,
/// directly or after the resync the updater asked for.
@Suite(.serialized) struct ReviewFixTests {
    typealias Follower = EventStreamTests.Follower

    /// Applies events until none arrived for 250 ms; returns them.
    @discardableResult
    static func settle(_ follower: Follower) throws -> [NetlinkEvent] {
        var all: [NetlinkEvent] = []
        while true {
            let events = try follower.stream.next(timeout: .milliseconds(250))
            if events.isEmpty { return all }
            all += events
            follower.updater.apply(events)
        }
    }

    /// Expects the updater to ask for a resync, then does it and expects the result in sync.
    static func expectResync(_ follower: Follower, _ phase: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        try settle(follower)
        let requested = follower.updater.needsResync
        #expect(requested, "resync requested after \(phase)", sourceLocation: sourceLocation)
        try follower.resync()
        try follower.expectInSync("resync after \(phase)", sourceLocation: sourceLocation)
    }

    static func addVeths(_ ns: NetworkNamespace, _ names: String...) throws {
        for name in names {
            try ns.ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
            try ns.ip("link", "set", name, "up")
            try ns.ip("link", "set", name + "p", "up")
        }
    }

    // MARK: 1. Route replace

    @Test func routeReplaceAnnouncesOnlyTheNewRouteWithReplaceFlag() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try Self.addVeths(ns, "d1")
            let follower = try Follower(ns)
            try ns.ip("route", "add", "unreachable", "10.9.0.0/24")
            let added = try Self.settle(follower)
            // A genuinely new route: NLM_F_CREATE|NLM_F_EXCL, no replace.
            #expect(
                added.contains {
                    if case .route(_, false, let flags) = $0 { return flags == [.create, .exclusive] }
                    return false
                }, "\(added)")
            try follower.expectInSync("adding")

            try ns.ip("route", "replace", "10.9.0.0/24", "dev", "d1")
            let replaced = try Self.settle(follower)
            // Only a new route with NLM_F_REPLACE; no delete of the unreachable one.
            #expect(
                replaced.contains {
                    if case .route(_, false, let flags) = $0 { return flags.contains(.replace) }
                    return false
                }, "\(replaced)")
            #expect(!replaced.contains { if case .route(_, true, _) = $0 { return true } else { return false } })
            try Self.expectResync(follower, "ipv4 replace unreachable → unicast")
        }
    }

    @Test func ipv6RouteReplaceChangingDeviceRequestsResync() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try Self.addVeths(ns, "d1", "d2")
            try ns.ip("-6", "route", "add", "2001:db8:1::/64", "dev", "d1")
            let follower = try Follower(ns)
            try ns.ip("-6", "route", "replace", "2001:db8:1::/64", "dev", "d2")
            try Self.expectResync(follower, "ipv6 replace dev d1 → d2")
            try ns.ip("-6", "route", "replace", "unreachable", "2001:db8:1::/64")
            try Self.expectResync(follower, "ipv6 replace unicast → unreachable")
            // A replace of the same route is applied in place.
            try ns.ip("-6", "route", "replace", "unreachable", "2001:db8:1::/64", "proto", "static")
            try follower.expectInSync("ipv6 replace of the same route")
        }
    }

    // MARK: 2. IPv4 routes differing only in device or gateway

    @Test func ipv4ConnectedRoutesOfOneSubnetOnTwoInterfaces() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try Self.addVeths(ns, "d1", "d2")
            let follower = try Follower(ns)
            try ns.ip("addr", "add", "10.50.0.1/24", "dev", "d1")
            try ns.ip("addr", "add", "10.50.0.2/24", "dev", "d2")
            try follower.expectInSync("two addresses in one subnet")
            try ns.ip("addr", "del", "10.50.0.1/24", "dev", "d1")
            try follower.expectInSync("deleting d1's address")
        }
    }

    @Test func ipv4AppendedRoutesDifferingInDeviceOrGateway() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try Self.addVeths(ns, "d1", "d2")
            try ns.ip("addr", "add", "10.1.0.1/24", "dev", "d1")
            let follower = try Follower(ns)
            try ns.ip("route", "add", "10.60.0.0/24", "dev", "d1")
            try ns.ip("route", "append", "10.60.0.0/24", "dev", "d2")
            try ns.ip("route", "add", "10.61.0.0/24", "via", "10.1.0.2")
            try ns.ip("route", "append", "10.61.0.0/24", "via", "10.1.0.3")
            try follower.expectInSync("appending")
            try ns.ip("route", "del", "10.60.0.0/24", "dev", "d2")
            try ns.ip("route", "del", "10.61.0.0/24", "via", "10.1.0.2")
            try follower.expectInSync("deleting one of each pair")
        }
    }

    // MARK: 3. IPv6 multipath

    @Test func ipv6MultipathChangesRequestResync() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try Self.addVeths(ns, "d1", "d2", "d3")
            let follower = try Follower(ns)
            try ns.ip(
                "-6", "route", "add", "2001:db8:9::/64", "nexthop", "via", "fe80::1", "dev", "d1", "nexthop", "via",
                "fe80::2", "dev", "d2")
            try Self.expectResync(follower, "ipv6 multipath add")
            try ns.ip("-6", "route", "append", "2001:db8:9::/64", "via", "fe80::3", "dev", "d3")
            try Self.expectResync(follower, "ipv6 multipath append")
            try ns.ip("-6", "route", "del", "2001:db8:9::/64", "via", "fe80::1", "dev", "d1")
            try Self.expectResync(follower, "ipv6 multipath delete of the first hop")
        }
    }

    @Test func ipv6MultipathRouteLosingItsFirstHopsLink() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try Self.addVeths(ns, "d1", "d2", "d3")
            try ns.ip(
                "-6", "route", "add", "2001:db8:9::/64", "nexthop", "via", "fe80::1", "dev", "d1", "nexthop", "via",
                "fe80::2", "dev", "d2", "nexthop", "via", "fe80::3", "dev", "d3")
            let follower = try Follower(ns)
            try ns.ip("link", "del", "d1")
            try Self.settle(follower)
            if follower.updater.needsResync { try follower.resync() }
            try follower.expectInSync("first hop's link deleted")
            // The route is now found under its new key: deleting it leaves nothing behind.
            try ns.ip("-6", "route", "del", "2001:db8:9::/64")
            try Self.settle(follower)
            if follower.updater.needsResync { try follower.resync() }
            try follower.expectInSync("route deleted")
        }
    }

    @Test func linkRemovalReKeysAMultipathRouteWhoseFirstHopWent() {
        let route = Route(
            family: .ipv6, destination: IPPrefix("2001:db8:9::/64")!, priority: 1024,
            nextHops: [
                NextHop(gateway: IPAddress("fe80::1"), interfaceIndex: 2),
                NextHop(gateway: IPAddress("fe80::2"), interfaceIndex: 3),
                NextHop(gateway: IPAddress("fe80::3"), interfaceIndex: 4),
            ])
        var updater = SnapshotUpdater(NodeSnapshot(routes: [route]))
        updater.apply(.linkRemoved(2))
        var left = route
        left.nextHops.removeFirst()
        #expect(updater.snapshot.routes == [left])
        updater.apply(.linkRemoved(3))
        left.nextHops.removeFirst()
        #expect(updater.snapshot.routes == [left])
        // Now a single-path route through link 4: its delete notification must find it.
        updater.apply(.route(left, removed: true))
        #expect(updater.snapshot.routes.isEmpty)
        #expect(!updater.needsResync)
    }

    // MARK: 4. FDB

    @Test func vxlanFDBReplaceOfTheDestination() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try Self.addVeths(ns, "d1")
            try ns.ip("addr", "add", "10.0.0.1/24", "dev", "d1")
            try ns.ip(
                "link", "add", "vx", "type", "vxlan", "id", "4096", "dstport", "4789", "dev", "d1", "nolearning")
            // vx stays down: up, its broadcast traffic to the remotes would create ARP entries on d1
            // that the kernel does not announce (incomplete), which is not what this test is about.
            try ns.bridge("fdb", "add", "66:00:00:00:00:21", "dev", "vx", "dst", "10.0.0.21", "self", "permanent")
            // The all-zero MAC may have several remotes: they stay distinct.
            try ns.bridge("fdb", "append", "00:00:00:00:00:00", "dev", "vx", "dst", "10.0.0.31", "self", "permanent")
            try ns.bridge("fdb", "append", "00:00:00:00:00:00", "dev", "vx", "dst", "10.0.0.32", "self", "permanent")
            let follower = try Follower(ns)
            try ns.bridge(
                "fdb", "replace", "66:00:00:00:00:21", "dev", "vx", "dst", "10.0.0.22", "self", "permanent")
            try ns.bridge("fdb", "append", "00:00:00:00:00:00", "dev", "vx", "dst", "10.0.0.33", "self", "permanent")
            try follower.expectInSync("fdb replace of the destination")
            try ns.bridge("fdb", "del", "00:00:00:00:00:00", "dev", "vx", "dst", "10.0.0.31", "self")
            try follower.expectInSync("deleting one remote of the all-zero MAC")
        }
    }

    @Test func bridgeFDBEntryMovingBetweenPorts() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try ns.ip("link", "add", "br0", "type", "bridge")
            try ns.ip("link", "set", "br0", "up")
            for name in ["d1", "d2"] {
                try ns.ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
                try ns.ip("link", "set", name, "master", "br0")
                try ns.ip("link", "set", name, "up")
                try ns.ip("link", "set", name + "p", "up")
            }
            try ns.bridge("fdb", "add", "02:00:00:00:00:aa", "dev", "d1", "master", "static")
            let follower = try Follower(ns)
            try ns.bridge("fdb", "replace", "02:00:00:00:00:aa", "dev", "d2", "master", "static")
            try follower.expectInSync("bridge fdb entry moved d1 → d2")
        }
    }

    // MARK: 5. Nexthop objects

    @Test func nexthopObjectChangesRequestResync() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try Self.addVeths(ns, "d1", "d2")
            try ns.ip("nexthop", "add", "id", "7", "dev", "d1")
            try ns.ip("route", "add", "10.70.0.0/24", "nhid", "7")
            let follower = try Follower(ns)
            try ns.ip("nexthop", "replace", "id", "7", "dev", "d2")
            try Self.expectResync(follower, "nexthop object replaced")
            try ns.ip("nexthop", "del", "id", "7")
            try Self.expectResync(follower, "nexthop object deleted")
        }
    }

    // MARK: 6. Rules

    @Test func ruleWithAMarkMaskOnlyHasMarkZero() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try ns.ip("rule", "add", "fwmark", "0/0x100000", "lookup", "100", "priority", "10")
            let snapshot = try ns.perform { try NetlinkSnapshotReader().snapshot() }
            let rule = try #require(snapshot.rules.first { $0.priority == 10 })
            #expect(rule.fwmark == 0)
            #expect(rule.fwmask == 0x100000)
            #expect(rule.ipSyntax() == "10: from all fwmark 0x0/0x100000 lookup 100")
        }
    }

    @Test func rulesWithUnmodeledSelectorsStayDistinctAndVisible() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            let follower = try Follower(ns)
            try ns.ip("rule", "add", "ipproto", "tcp", "dport", "80", "lookup", "100", "priority", "20")
            try ns.ip("rule", "add", "uidrange", "1000-2000", "lookup", "100", "priority", "20")
            try ns.ip("rule", "add", "sport", "1000-1010", "lookup", "100", "priority", "20")
            try ns.ip("rule", "add", "tun_id", "5", "lookup", "100", "priority", "20")
            try follower.expectInSync("rules differing only in unmodeled selectors")
            let rules = follower.updater.snapshot.rules.filter { $0.priority == 20 }
            #expect(
                Set(rules.map { $0.ipSyntax() }) == [
                    "20: from all ipproto tcp dport 80 lookup 100",
                    "20: from all uidrange 1000-2000 lookup 100",
                    "20: from all sport 1000-1010 lookup 100",
                    "20: from all tun_id 5 lookup 100",
                ])
            try ns.ip("rule", "del", "uidrange", "1000-2000", "lookup", "100", "priority", "20")
            try follower.expectInSync("deleting one of them")
        }
    }

    // MARK: 7. Dumps filter by family

    @Test func dumpsKeepOnlyTheRequestedFamily() throws {
        // Messages as a kernel without IPv6 sends for an IPv6 route dump: IPv4 routes (dump-all).
        var bytes = [UInt8](repeating: 0, count: 16 + 12)
        bytes[0] = UInt8(bytes.count)
        bytes[16] = 2
        let kept = bytes.withUnsafeBytes { raw in
            let message = NetlinkMessage(bytes: raw)
            return (
                Dumper.isOfRequestedFamily(message, header: [10, 0, 0]),
                Dumper.isOfRequestedFamily(message, header: [2, 0, 0]),
                Dumper.isOfRequestedFamily(message, header: [0, 0, 0])
            )
        }
        #expect(kept == (false, true, true))
    }
}
