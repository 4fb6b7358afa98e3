import Foundation
import PodnetModel
import PodnetNetlink
import PodnetTestSupport
import Testing

/// The shared test helpers do what other test targets rely on: clean-up on every path, scenario knobs.
@Suite struct TestSupportTests {
    struct Expected: Error {}

    static func namespaceExists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "/run/netns/" + name) }

    @Test func withCalicoNodeDeletesEveryNamespaceEvenWhenTheBodyThrows() throws {
        try requireRootAndIPRoute2()
        var names: [String] = []
        #expect(throws: Expected.self) {
            try withCalicoNode { node in
                names = [node.namespace.name, node.underlay.name] + node.workloads.map(\.pod.name)
                #expect(names.allSatisfy(Self.namespaceExists))
                throw Expected()
            }
        }
        #expect(names.count == 5)
        #expect(names.allSatisfy { !Self.namespaceExists($0) }, "left behind: \(names.filter(Self.namespaceExists))")
        #expect(names.allSatisfy { $0.hasPrefix(NetworkNamespace.namePrefix) })
    }

    @Test func aNamespaceIsDeletedWhenReleased() throws {
        try requireRootAndIPRoute2()
        var namespace: NetworkNamespace? = try NetworkNamespace(purpose: "released")
        let name = try #require(namespace?.name)
        #expect(Self.namespaceExists(name))
        namespace = nil
        #expect(!Self.namespaceExists(name))
    }

    @Test func failingCommandsThrowWithStderr() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace { ns in
            do {
                try ns.ip("route", "add", "10.0.0.0/8", "dev", "nosuchdevice")
                Issue.record("a failing ip command did not throw")
            } catch let failure as ProcessFailure {
                #expect(failure.description.contains("Cannot find device"), "\(failure)")
            }
            let slow = try ns.run(["sleep", "10"], timeout: .milliseconds(300))
            #expect(slow.timedOut)
            #expect(!slow.succeeded)
        }
    }

    @Test func scenarioKnobsLeaveOutWhatTheySay() throws {
        try requireRootAndIPRoute2()
        var scenario = CalicoNodeScenario()
        scenario.workloads = 4
        scenario.workloadsWithoutRoute = [2]
        scenario.blackhole = false
        scenario.ipForwarding = false
        scenario.remoteBlocks = [
            .standard,
            .init(
                block: "192.168.40.0/26", tunnelIP: "192.168.40.0", tunnelMAC: "66:40:00:00:00:21", hostIP: "10.0.0.21",
                neighbour: false),
        ]
        try withCalicoNode(scenario) { node in
            let snapshot = try node.namespace.perform { try NetlinkSnapshotReader().snapshot() }
            #expect(snapshot.links.count { $0.name.hasPrefix("cali") && $0.name.count == 15 } == 4)
            let podRoutes = snapshot.routes.filter { $0.table == .main && $0.destination.isHost && $0.scope == .link }
            #expect(
                Set(podRoutes.map { $0.destination.address.description }) == [
                    "192.168.231.1", "192.168.231.3", "192.168.231.4",
                ])
            #expect(!snapshot.routes.contains { $0.type == .blackhole })
            #expect(snapshot.host.ipv4Forwarding == false)
            #expect(snapshot.routes.contains { $0.destination == IPPrefix("192.168.40.0/26") })
            #expect(!snapshot.neighbours.contains { $0.address == IPAddress("192.168.40.0") })
            #expect(snapshot.fdb.contains { $0.mac == HardwareAddress("66:40:00:00:00:21") })

            // Breaking and restoring at run time.
            try node.deleteRemoteRoute()
            try node.deleteNeighbour()
            try node.deleteFDB()
            try node.setIPForwarding(true)
            let broken = try node.namespace.perform { try NetlinkSnapshotReader().snapshot() }
            #expect(!broken.routes.contains { $0.destination == IPPrefix("192.168.35.0/26") })
            #expect(!broken.neighbours.contains { $0.address == IPAddress("192.168.35.0") })
            #expect(!broken.fdb.contains { $0.mac == HardwareAddress("66:35:00:00:00:20") })
            #expect(broken.host.ipv4Forwarding == true)
            try node.restoreRemoteRoute()
            try node.restoreNeighbour()
            try node.restoreFDB()
            let restored = try node.namespace.perform { try NetlinkSnapshotReader().snapshot() }
            #expect(
                restored.routes.contains {
                    $0.destination == IPPrefix("192.168.35.0/26") && $0.nextHops.first?.isOnlink == true
                })
            #expect(restored.neighbours.contains { $0.address == IPAddress("192.168.35.0") && $0.state == .permanent })
            #expect(
                restored.fdb.contains {
                    $0.mac == HardwareAddress("66:35:00:00:00:20") && $0.destination == IPAddress("10.0.0.20")
                })
        }
    }
}
