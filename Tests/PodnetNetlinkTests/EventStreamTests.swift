import Foundation
import PodnetModel
import PodnetNetlink
import PodnetTestSupport
import Synchronization
import Testing

/// A snapshot kept current from `NetlinkEventStream` events with `SnapshotUpdater` equals a fresh dump,
/// after every kind of change the daemon will see.
@Suite struct EventStreamTests {
    /// The stream and the updater fed from it, for one namespace.
    final class Follower {
        let namespace: NetworkNamespace
        let stream: NetlinkEventStream
        var updater: SnapshotUpdater
        var eventCount = 0

        init(_ namespace: NetworkNamespace) throws {
            self.namespace = namespace
            // Stream first, then the snapshot: nothing that happens in between is lost.
            let (stream, snapshot) = try namespace.perform {
                let stream = try NetlinkEventStream()
                return (stream, try NetlinkSnapshotReader().snapshot())
            }
            self.stream = stream
            updater = SnapshotUpdater(snapshot)
        }

        /// Applies events until none arrived for 250 ms.
        func settle() throws {
            while true {
                let events = try stream.next(timeout: .milliseconds(250))
                if events.isEmpty { return }
                eventCount += events.count
                updater.apply(events)
            }
        }

        /// Settles, then compares the maintained snapshot with a fresh dump; retries a few times when
        /// events were still arriving during the dump.
        func expectInSync(_ phase: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            var difference = ""
            var compared = false
            for _ in 1...6 {
                try settle()
                let fresh = try namespace.perform { try NetlinkSnapshotReader().snapshot() }
                let late = try stream.next(timeout: .zero)
                if !late.isEmpty {
                    eventCount += late.count
                    updater.apply(late)
                    continue
                }
                difference = snapshotDifference(maintained: updater.snapshot, fresh: fresh)
                compared = true
                if difference.isEmpty { break }
                Thread.sleep(forTimeInterval: 0.3)
            }
            // Events arriving during every dump would leave nothing compared: that is a failure, not a pass.
            #expect(compared, "after \(phase): no dump without late events to compare with", sourceLocation: sourceLocation)
            #expect(difference.isEmpty, "after \(phase):\n\(difference)", sourceLocation: sourceLocation)
            #expect(!updater.needsResync, "no resync requested after \(phase)", sourceLocation: sourceLocation)
        }

        /// What the daemon does when `needsResync` turns true: a fresh snapshot, the same stream.
        func resync() throws {
            try settle()
            updater = SnapshotUpdater(try namespace.perform { try NetlinkSnapshotReader().snapshot() })
        }
    }

    @Test func snapshotMaintainedFromEventsEqualsAFreshDump() throws {
        try requireRootAndIPRoute2()
        try withCalicoNode { node in
            let ns = node.namespace
            let follower = try Follower(ns)
            try follower.expectInSync("opening")

            // Routes of both families, multipath, other tables, replace, delete.
            try ns.ip("route", "add", "10.80.0.0/24", "via", "10.0.0.1", "dev", "eth0", "metric", "10")
            try ns.ip("route", "add", "10.80.0.0/24", "via", "10.0.0.1", "dev", "eth0", "metric", "20")
            try ns.ip(
                "route", "add", "10.81.0.0/24", "table", "300", "nexthop", "via", "10.0.0.1", "nexthop", "via",
                "10.0.0.2")
            try follower.expectInSync("adding routes")
            // A replace that changes the gateway (the old route's identity) and an IPv6 multipath route
            // are not applied by guessing: the updater asks for a resync.
            try ns.ip("route", "replace", "10.80.0.0/24", "via", "10.0.0.2", "dev", "eth0", "metric", "10")
            try follower.settle()
            #expect(follower.updater.needsResync, "resync requested after replacing a route's gateway")
            try follower.resync()
            try ns.ip(
                "-6", "route", "add", "fd00:91::/64", "nexthop", "via", "fd00:10::1", "nexthop", "via", "fd00:10::2")
            try follower.settle()
            #expect(follower.updater.needsResync, "resync requested after adding an IPv6 multipath route")
            try follower.resync()
            try ns.ip("-6", "route", "add", "fd00:90::/64", "via", "fd00:10::1", "dev", "eth0")
            try ns.ip("route", "add", "blackhole", "10.82.0.0/16")
            try node.deleteRemoteRoute()
            try node.deleteWorkloadRoute(3)
            try ns.ip("route", "del", "10.80.0.0/24", "metric", "20")
            try follower.expectInSync("route changes")
            try node.restoreRemoteRoute()
            try node.restoreWorkloadRoute(3)
            try follower.expectInSync("restoring routes")

            // Neighbours and FDB entries: add, replace, delete, one turned NOARP (leaves the snapshot).
            try ns.ip("neigh", "add", "10.0.0.50", "lladdr", "02:00:00:00:00:50", "dev", "eth0", "nud", "permanent")
            try ns.ip(
                "-6", "neigh", "add", "fd00:10::50", "lladdr", "02:00:00:00:00:51", "dev", "eth0", "nud", "permanent")
            try ns.ip("neigh", "replace", "10.0.0.50", "lladdr", "02:00:00:00:00:52", "dev", "eth0", "nud", "permanent")
            try ns.ip("neigh", "add", "10.0.0.51", "lladdr", "02:00:00:00:00:53", "dev", "eth0", "nud", "permanent")
            try ns.ip("neigh", "replace", "10.0.0.51", "lladdr", "02:00:00:00:00:53", "dev", "eth0", "nud", "noarp")
            try node.deleteNeighbour()
            try node.deleteFDB()
            try ns.bridge(
                "fdb", "add", "66:00:00:00:00:21", "dev", "vxlan.calico", "dst", "10.0.0.21", "self", "permanent")
            try follower.expectInSync("neighbour and FDB changes")
            try node.restoreNeighbour()
            try node.restoreFDB()
            try ns.ip("-6", "neigh", "del", "fd00:10::50", "dev", "eth0")
            try follower.expectInSync("restoring neighbour and FDB")

            // Rules.
            try ns.ip("rule", "add", "from", "192.168.231.2", "lookup", "3", "priority", "1537")
            try ns.ip("rule", "add", "fwmark", "0x4/0xf", "lookup", "main", "priority", "100")
            try ns.ip("-6", "rule", "add", "to", "fd00:99::/64", "lookup", "7", "priority", "600")
            try ns.ip("rule", "del", "from", "192.168.231.1", "lookup", "2", "priority", "1536")
            try follower.expectInSync("rule changes")

            // Addresses; deleting one takes the routes preferring it as source (silently, in IPv4).
            try ns.ip("addr", "add", "10.0.0.13/24", "dev", "eth0")
            try ns.ip("route", "add", "10.83.0.0/24", "via", "10.0.0.1", "dev", "eth0", "src", "10.0.0.13")
            try ns.ip("-6", "addr", "add", "fd00:10::13/64", "dev", "eth0", "nodad")
            try ns.ip("addr", "add", "192.168.231.60/32", "dev", "vxlan.calico")
            try follower.expectInSync("adding addresses")
            try ns.ip("addr", "del", "10.0.0.13/24", "dev", "eth0")
            try ns.ip("-6", "addr", "del", "fd00:10::13/64", "dev", "eth0")
            try follower.expectInSync("deleting addresses")

            // Sysctls: forwarding (every interface follows), rp_filter, proxy_arp, IPv6 forwarding.
            try node.setIPForwarding(false)
            try ns.sysctl("net.ipv4.conf.all.rp_filter", "1")
            try ns.sysctl("net.ipv4.conf.eth0.rp_filter", "2")
            try ns.sysctl("net/ipv4/conf/\(node.workloads[0].interface)/proxy_arp", "0")
            try ns.sysctl("net.ipv6.conf.all.forwarding", "1")
            try ns.sysctl("net/ipv6/conf/vxlan.calico/forwarding", "0")
            try follower.expectInSync("sysctl changes")
            try node.setIPForwarding(true)
            try follower.expectInSync("forwarding back on")

            // default.rp_filter changes every interface whose rp_filter was never written, silently:
            // the updater must ask for a resync.
            try ns.sysctl("net.ipv4.conf.default.rp_filter", "2")
            try follower.settle()
            #expect(follower.updater.needsResync, "a default rp_filter change asks for a resync")
            try follower.resync()
            try follower.expectInSync("a resync after default.rp_filter")

            // Link state: admin down takes the IPv4 routes through the link (silently), carrier loss marks
            // them linkdown (silently), MTU changes.
            let first = node.workloads[0]
            try node.setLink(first.interface, up: false)
            try follower.expectInSync("a cali interface set down")
            try node.setLink(first.interface, up: true)
            try node.restoreWorkloadRoute(1)
            try follower.expectInSync("the cali interface up again")
            let second = node.workloads[1]
            try second.pod.ip("link", "set", "eth0", "down")
            try follower.expectInSync("a pod's side down (carrier lost)")
            try second.pod.ip("link", "set", "eth0", "up")
            try follower.expectInSync("carrier back")
            try ns.ip("link", "set", "vxlan.calico", "mtu", "1450")
            try follower.expectInSync("an MTU change")

            // Links come and go: a new workload, then a pod namespace deleted with its veth.
            try ns.ip("link", "add", "cali0123456789a", "type", "veth", "peer", "name", "eth1", "netns", first.pod.name)
            try ns.ip("link", "set", "cali0123456789a", "up")
            try ns.ip("route", "add", "192.168.231.40", "dev", "cali0123456789a", "scope", "link")
            try ns.ip(
                "neigh", "add", "192.168.231.40", "lladdr", "02:00:00:00:00:40", "dev", "cali0123456789a", "nud",
                "permanent")
            try follower.expectInSync("a new interface with a route")
            try ns.ip("link", "del", "cali0123456789a")
            try follower.expectInSync("the new interface deleted")
            node.workloads[2].pod.delete()
            try follower.expectInSync("a pod namespace deleted")

            // The last IPv4 address of an interface goes: every IPv4 route through it goes, host scope too.
            try ns.ip("link", "add", "side0", "type", "veth", "peer", "name", "side0p")
            try ns.ip("link", "set", "side0", "up")
            try ns.ip("link", "set", "side0p", "up")
            try ns.ip("addr", "add", "172.16.0.1/24", "dev", "side0")
            try ns.ip("route", "add", "172.17.0.0/24", "via", "172.16.0.2", "dev", "side0")
            try ns.ip("route", "add", "172.18.0.1", "dev", "side0", "scope", "host")
            try follower.expectInSync("a side interface with routes")
            try ns.ip("addr", "del", "172.16.0.1/24", "dev", "side0")
            try follower.expectInSync("its only IPv4 address deleted")

            #expect(follower.eventCount > 50, "the changes arrived as events (\(follower.eventCount))")
        }
    }

    @Test func stopWakesABlockedReaderAtOnce() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            let stream = try ns.perform { try NetlinkEventStream() }
            let returned = Mutex<ContinuousClock.Instant?>(nil)
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                _ = try? stream.next(timeout: nil)
                returned.withLock { $0 = .now }
                done.signal()
            }
            thread.start()
            Thread.sleep(forTimeInterval: 0.2)
            let stopped = ContinuousClock.now
            stream.stop()
            #expect(done.wait(timeout: .now() + 1) == .success, "next() returned within 1 s of stop()")
            let elapsed = try #require(returned.withLock { $0 }) - stopped
            #expect(elapsed < .milliseconds(500))
            #expect(try stream.next(timeout: .seconds(5)).isEmpty, "a stopped stream returns at once")
            #expect(stream.isStopped)
        }
    }

    @Test func aFullReceiveBufferIsReportedAsOverrunNotThrown() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            try ns.ip("link", "add", "flood0", "type", "veth", "peer", "name", "flood1")
            try ns.ip("link", "set", "flood0", "up")
            try ns.ip("link", "set", "flood1", "up")
            let stream = try ns.perform { try NetlinkEventStream() }
            // Nobody reads while ~40k route notifications (several MiB) arrive: more than any receive buffer
            // the kernel grants (the stream asks for 8 MiB; net.core.rmem_max caps it without CAP_NET_ADMIN).
            let commands = (0..<40_000).map {
                "route add blackhole 10.\(100 + $0 / 65536).\($0 / 256 % 256).\($0 % 256)/32"
            }
            try ns.ipBatch(commands)
            var sawOverrun = false
            var batches = 0
            while batches < 10_000 {
                let events = try stream.next(timeout: .milliseconds(200))
                if events.isEmpty { break }
                batches += 1
                if events.contains(.overrun) { sawOverrun = true }
            }
            #expect(sawOverrun, "ENOBUFS surfaced as .overrun")
            // The stream keeps working afterwards.
            try ns.ip("route", "add", "10.99.99.0/24", "dev", "flood0")
            var sawRoute = false
            for _ in 0..<20 where !sawRoute {
                sawRoute = try stream.next(timeout: .milliseconds(200)).contains {
                    if case .route(let route, false, _) = $0 { return route.destination == IPPrefix("10.99.99.0/24") }
                    return false
                }
            }
            #expect(sawRoute, "events still arrive after an overrun")
        }
    }
}

/// Per list, what differs between a maintained and a fresh snapshot (empty when equal).
func snapshotDifference(maintained: NodeSnapshot, fresh: NodeSnapshot) -> String {
    let a = maintained.canonicalized()
    let b = fresh.canonicalized()
    var text = ""
    func compare<T>(_ name: String, _ left: [T], _ right: [T]) {
        let difference = multisetDifference(expected: right.map { "\($0)" }, actual: left.map { "\($0)" })
        if !difference.isEmpty {
            text +=
                "\(name) (maintained \(left.count), fresh \(right.count)):\n"
                + difference.replacingOccurrences(
                    of: "missing from podnetd (only in iproute2)", with: "only in the fresh dump"
                )
                .replacingOccurrences(of: "only in podnetd", with: "only in the maintained snapshot") + "\n"
        }
    }
    if a.host != b.host { text += "host: maintained \(a.host), fresh \(b.host)\n" }
    compare("links", a.links, b.links)
    compare("addresses", a.addresses, b.addresses)
    compare("routes", a.routes, b.routes)
    compare("neighbours", a.neighbours, b.neighbours)
    compare("fdb", a.fdb, b.fdb)
    compare("rules", a.rules, b.rules)
    return text
}
