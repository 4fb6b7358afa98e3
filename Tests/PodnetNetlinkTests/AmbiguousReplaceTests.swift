import Foundation
import PodnetModel
import PodnetNetlink
import PodnetTestSupport
import Testing

/// A route replace takes the first route with the same FIB key, whatever its device: with `ip route
/// append` siblings (the same destination on another device) the notification cannot say which one
/// went, so the updater asks for a resync instead of updating the entry with the notified device.
@Suite struct AmbiguousReplaceTests {
    /// Opens a stream, snapshots, runs `change`, applies the events; returns the updater and a fresh dump.
    func afterChange(in ns: NetworkNamespace, _ change: () throws -> Void) throws -> (SnapshotUpdater, NodeSnapshot) {
        let (stream, snapshot) = try ns.perform {
            let stream = try NetlinkEventStream()
            return (stream, try NetlinkSnapshotReader().snapshot())
        }
        var updater = SnapshotUpdater(snapshot)
        try change()
        while true {
            let events = try stream.next(timeout: .milliseconds(300))
            if events.isEmpty { break }
            updater.apply(events)
        }
        return (updater, try ns.perform { try NetlinkSnapshotReader().snapshot() })
    }

    func twoDevices(_ ns: NetworkNamespace) throws {
        try ns.ip("link", "add", "d0", "type", "veth", "peer", "name", "d0p")
        try ns.ip("link", "add", "d1", "type", "veth", "peer", "name", "d1p")
        for link in ["d0", "d0p", "d1", "d1p"] { try ns.ip("link", "set", link, "up") }
    }

    /// The sibling appended before the snapshot (found in the dump) or after it (an append notification).
    @Test(arguments: ["fd00:77::/64", "10.77.0.0/24"], [false, true])
    func replacingOneOfTwoAppendedSiblingsAsksForAResync(_ destination: String, appendAfterSnapshot: Bool) throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "ambiguous-replace") { ns in
            try twoDevices(ns)
            try ns.ip("route", "add", destination, "dev", "d0", "metric", "5")
            let append = { try ns.ip("route", "append", destination, "dev", "d1", "metric", "5") }
            if !appendAfterSnapshot { try append() }
            // The kernel replaces the d0 route (the first with this FIB key) with a d1 route; the
            // notification names d1 only, which matches the appended sibling's identity.
            let (updater, fresh) = try afterChange(in: ns) {
                if appendAfterSnapshot { try append() }
                try ns.ip("route", "replace", destination, "dev", "d1", "metric", "5", "mtu", "1400")
            }
            let kernel = fresh.routes.filter { $0.destination == IPPrefix(destination) }
            #expect(kernel.count == 2 && kernel.allSatisfy { $0.nextHops.first?.interfaceIndex != fresh.links.first { $0.name == "d0" }?.index },
                "the kernel replaced the d0 route: \(kernel)")
            #expect(updater.needsResync, "an ambiguous replace asks for a resync")
            // Without the resync the maintained snapshot would keep the d0 route the kernel no longer has.
            if !updater.needsResync {
                #expect(snapshotDifference(maintained: updater.snapshot, fresh: fresh).isEmpty)
            }
        }
    }

    @Test func replacingARouteWithoutSiblingsIsAppliedInPlace() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "plain-replace") { ns in
            try twoDevices(ns)
            try ns.ip("-6", "route", "add", "fd00:78::/64", "dev", "d0", "metric", "5")
            try ns.ip("route", "add", "10.78.0.0/24", "dev", "d0", "metric", "5")
            let (updater, fresh) = try afterChange(in: ns) {
                try ns.ip("-6", "route", "replace", "fd00:78::/64", "dev", "d0", "metric", "5", "mtu", "1400")
                try ns.ip("route", "replace", "10.78.0.0/24", "dev", "d0", "metric", "5", "mtu", "1300")
            }
            #expect(!updater.needsResync, "an unambiguous replace needs no resync")
            let difference = snapshotDifference(maintained: updater.snapshot, fresh: fresh)
            #expect(difference.isEmpty, "\(difference)")
        }
    }
}
