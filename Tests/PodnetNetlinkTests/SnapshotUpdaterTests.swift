import PodnetModel
import Testing

@testable import PodnetNetlink

/// `SnapshotUpdater` on hand-made snapshots: identities, removals, and what the kernel does silently.
@Suite struct SnapshotUpdaterTests {
    static let eth0 = Link(
        index: 2, name: "eth0", kind: "veth", ipv4: IPv4DeviceSettings(forwarding: true, rpFilter: 0, proxyARP: false))
    static let cali = Link(index: 4, name: "cali0600f1d2b91", kind: "veth")

    static func route(
        _ destination: String, dev: InterfaceIndex?, gateway: String? = nil, scope: RouteScope = .universe
    ) -> Route {
        let prefix = IPPrefix(destination) ?? IPPrefix(host: .v4(0))
        return Route(
            table: .main, scope: scope, destination: prefix,
            nextHops: [NextHop(gateway: gateway.flatMap { IPAddress($0) }, interfaceIndex: dev)])
    }

    static var base: NodeSnapshot {
        NodeSnapshot(
            links: [eth0, cali],
            addresses: [Address(interfaceIndex: 2, prefix: IPPrefix("10.0.0.10/24")!)],
            routes: [
                route("10.0.0.0/24", dev: 2, scope: .link),
                route("192.168.231.1/32", dev: 4, scope: .link),
                route("192.168.35.0/26", dev: 2, gateway: "10.0.0.1"),
            ])
    }

    @Test func routesThatDifferOnlyInDeviceAreDistinctInIPv6() {
        let fe80 = IPPrefix("fe80::/64")!
        var updater = SnapshotUpdater(Self.base)
        updater.apply(
            .route(Route(destination: fe80, priority: 256, nextHops: [NextHop(interfaceIndex: 2)]), removed: false))
        updater.apply(
            .route(Route(destination: fe80, priority: 256, nextHops: [NextHop(interfaceIndex: 4)]), removed: false))
        #expect(updater.snapshot.routes.count { $0.destination == fe80 } == 2)
        updater.apply(
            .route(Route(destination: fe80, priority: 256, nextHops: [NextHop(interfaceIndex: 4)]), removed: true))
        #expect(updater.snapshot.routes.filter { $0.destination == fe80 }.map(\.interfaceIndex) == [2])
    }

    @Test func aChangedRouteReplacesTheOneWithTheSameIdentity() throws {
        var updater = SnapshotUpdater(Self.base)
        var changed = try #require(updater.snapshot.routes.first { $0.destination == IPPrefix("192.168.35.0/26") })
        changed.protocol_ = RouteProtocol(rawValue: 4)
        updater.apply(.route(changed, removed: false, flags: .replace))
        #expect(updater.snapshot.routes.filter { $0.destination == changed.destination } == [changed])
        #expect(updater.snapshot.routes.count == 3)
        #expect(!updater.needsResync)
    }

    @Test func aReplaceOfARouteWithAnotherIdentityRequestsResync() {
        // The kernel announces `ip route replace` that changes the gateway as one new route with
        // NLM_F_REPLACE; the old one is gone without a delete, so the updater cannot know which it was.
        var updater = SnapshotUpdater(Self.base)
        let moved = Self.route("192.168.35.0/26", dev: 2, gateway: "10.0.0.2")
        updater.apply(.route(moved, removed: false, flags: .replace))
        #expect(updater.needsResync)
    }

    @Test func ipv4RoutesDifferingOnlyInGatewayCoexist() {
        var updater = SnapshotUpdater(Self.base)
        let appended = Self.route("192.168.35.0/26", dev: 2, gateway: "10.0.0.2")
        updater.apply(.route(appended, removed: false, flags: [.create, .append]))
        #expect(updater.snapshot.routes.filter { $0.destination == appended.destination }.count == 2)
        updater.apply(.route(appended, removed: true))
        #expect(updater.snapshot.routes == Self.base.routes)
        #expect(!updater.needsResync)
    }

    @Test func aNeighbourThatTurnsNOARPLeavesTheSnapshot() {
        var snapshot = Self.base
        snapshot.neighbours = [
            Neighbour(interfaceIndex: 2, address: IPAddress("10.0.0.5")!, mac: HardwareAddress("02:00:00:00:00:05"))
        ]
        let updated = snapshot.applying([
            .neighbour(
                Neighbour(interfaceIndex: 2, address: IPAddress("10.0.0.5")!, mac: nil, state: .noARP), removed: true)
        ])
        #expect(updated.neighbours.isEmpty)
    }

    @Test func aDeletedLinkTakesItsAddressesNeighboursFDBAndIPv4Routes() {
        var snapshot = Self.base
        snapshot.neighbours = [
            Neighbour(interfaceIndex: 4, address: IPAddress("192.168.231.1")!, mac: nil, state: .reachable)
        ]
        snapshot.fdb = [FDBEntry(mac: HardwareAddress("66:00:00:00:00:01")!, interfaceIndex: 4)]
        let updated = snapshot.applying([.linkRemoved(4)])
        #expect(updated.links.map(\.index) == [2])
        #expect(updated.neighbours.isEmpty)
        #expect(updated.fdb.isEmpty)
        #expect(!updated.routes.contains { $0.interfaceIndex == 4 })
        #expect(updated.routes.count == 2)
    }

    @Test func aLinkSetDownLosesItsIPv4RoutesButNotHostScopeOnes() {
        var snapshot = Self.base
        snapshot.routes.append(Self.route("10.0.0.10/32", dev: 2, scope: .host))
        var down = Self.eth0
        down.flags = []
        let updated = snapshot.applying([.link(down)])
        #expect(updated.routes.map(\.destination) == [IPPrefix("192.168.231.1/32")!, IPPrefix("10.0.0.10/32")!])
    }

    @Test func lostCarrierMarksNextHopsLinkdownAndRegainingClearsIt() {
        var noCarrier = Self.cali
        noCarrier.flags = [.up]
        var updater = SnapshotUpdater(Self.base)
        updater.apply(.link(noCarrier))
        let marked = updater.snapshot.routes.first { $0.interfaceIndex == 4 }
        #expect(marked?.nextHops.first?.flags == [.linkDown])
        updater.apply(.link(Self.cali))
        #expect(updater.snapshot.routes.first { $0.interfaceIndex == 4 }?.nextHops.first?.flags == [])
    }

    @Test func theLastIPv4AddressOfALinkTakesAllItsIPv4Routes() {
        let updated = Self.base.applying([
            .address(Address(interfaceIndex: 2, prefix: IPPrefix("10.0.0.10/24")!), removed: true)
        ])
        #expect(updated.addresses.isEmpty)
        #expect(updated.routes.map(\.interfaceIndex) == [4])
    }

    @Test func netconfUpdatesDeviceAndHostSettings() {
        var updater = SnapshotUpdater(Self.base)
        updater.apply(.netconf(NetconfChange(family: .ipv4, target: .interface(2), rpFilter: 2)))
        updater.apply(.netconf(NetconfChange(family: .ipv6, target: .interface(2), forwarding: true)))
        updater.apply(.netconf(NetconfChange(family: .ipv4, target: .all, forwarding: true, rpFilter: 1)))
        updater.apply(.netconf(NetconfChange(family: .ipv6, target: .all, forwarding: false)))
        let eth0 = updater.snapshot.links.first { $0.index == 2 }
        #expect(eth0?.ipv4 == IPv4DeviceSettings(forwarding: true, rpFilter: 2, proxyARP: false))
        #expect(eth0?.ipv6 == IPv6DeviceSettings(forwarding: true))
        #expect(updater.snapshot.host == HostSettings(ipv4Forwarding: true, ipv4RPFilterAll: 1, ipv6Forwarding: false))
        #expect(!updater.needsResync)
    }

    @Test func overrunAndSilentDefaultChangesAskForAResync() {
        var updater = SnapshotUpdater(Self.base)
        updater.apply(.netconf(NetconfChange(family: .ipv4, target: .default, forwarding: true)))
        #expect(!updater.needsResync, "default.forwarding is not copied to interfaces")
        updater.apply(.netconf(NetconfChange(family: .ipv4, target: .default, rpFilter: 2)))
        #expect(updater.needsResync)
        #expect(NetlinkEvent.overrun.requiresResync)
    }

    @Test func manyRouteEventsStayFast() {
        // 100k routes, 10k changes: the updater indexes routes instead of scanning them per event.
        let routes = (0..<100_000).map { Self.route("10.\($0 >> 16).\($0 >> 8 & 255).\($0 & 255)/32", dev: 2) }
        var updater = SnapshotUpdater(NodeSnapshot(links: [Self.eth0], routes: routes))
        let start = ContinuousClock.now
        for index in 0..<10_000 {
            updater.apply(.route(routes[index * 7], removed: true))
            updater.apply(.route(Self.route("172.16.\(index >> 8).\(index & 255)/32", dev: 2), removed: false))
        }
        let elapsed = ContinuousClock.now - start
        #expect(updater.snapshot.routes.count == 100_000)
        #expect(elapsed < .seconds(5), "20k events on 100k routes took \(elapsed)")
    }
}

@Suite struct NetlinkErrorTests {
    @Test func describesTheOperationTheSystemErrorAndLibnlsCode() {
        let error = NetlinkError(operation: "dumping routes", errno: 1)  // EPERM
        #expect(error.code == 28)
        #expect(error.codeName == "NLE_PERM")
        #expect(error.description == "dumping routes: Operation not permitted (libnl -NLE_PERM)")
    }

    @Test func carriesLibnlsOwnTextForLibnlResults() {
        let error = NetlinkError(operation: "joining RTNLGRP_LINK", libnlResult: -33)
        #expect(error.codeName == "NLE_DUMP_INTR")
        #expect(error.description.hasPrefix("joining RTNLGRP_LINK: "))
        #expect(error.description.hasSuffix("(libnl -NLE_DUMP_INTR)"))
        #expect(NetlinkError(operation: "x", code: 99, message: "?").codeName == "99")
    }
}
