import Foundation
import Logging
import PodnetAnalysis
import PodnetCluster
import PodnetModel
import PodnetTestSupport
import Testing

@Suite("List then watch against the HTTPS stand-in", .serialized)
struct ClusterWatcherTests {
    func watcher(_ standIn: KubeAPIStandIn) throws -> ClusterWatcher {
        let credentials = try KubeCredentialsResolver.resolve(explicitKubeconfig: try standIn.writeKubeconfig())
        let client = try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: 5)
        return ClusterWatcher(
            client: client, nodeName: "node-a", nodeNameSource: "test", logger: Logger(label: "test"),
            watchTimeoutSeconds: 30...40)
    }

    /// A started watcher whose first list (the three nodes of SmallCluster) has arrived.
    func startedWatcher(_ standIn: KubeAPIStandIn) async throws -> ClusterWatcher {
        let watcher = try watcher(standIn)
        watcher.start()
        #expect(await eventually { nodes(watcher).count == 3 }, "the first list arrives")
        return watcher
    }

    func nodes(_ watcher: ClusterWatcher) -> [String] {
        watcher.input(maxViewAgeSeconds: 600).view?.nodes.map(\.name) ?? []
    }

    @Test("one list and one watch per resource; nodes joining and leaving arrive as events, never a relist")
    func churnWithoutRelist() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        let watcher = try watcher(standIn)
        watcher.start()
        #expect(await eventually { nodes(watcher) == ["node-a", "node-b", "node-c"] })
        for round in 0..<5 {
            try standIn.upsert("nodes", KubeObjects.node("node-d", ipv4: "10.0.0.4\(round)/24", tunnel: "192.168.50.0", mac: "66:50:00:00:00:0\(round)"))
            #expect(await eventually { watcher.input(maxViewAgeSeconds: 600).view?.nodes.first { $0.name == "node-d" }?.calicoIPv4Address == IPPrefix("10.0.0.4\(round)/24") })
            try standIn.delete("nodes", name: "node-d")
            #expect(await eventually { nodes(watcher) == ["node-a", "node-b", "node-c"] })
        }
        try standIn.upsert("blockaffinities", KubeObjects.blockAffinity(node: "node-b", cidr: "192.168.36.0/26"))
        #expect(await eventually { watcher.input(maxViewAgeSeconds: 600).view?.blockAffinities.count == 5 })
        let stats = standIn.stats()
        for resource in ["nodes", "ippools", "blockaffinities"] {
            #expect(stats[resource]?.lists == 1, "\(resource): \(String(describing: stats[resource]))")
            #expect(stats[resource]?.watches == 1, "\(resource): \(String(describing: stats[resource]))")
        }
        let input = watcher.input(maxViewAgeSeconds: 600)
        #expect(input.viewAgeSeconds == 0 && input.outage == nil)
        await watcher.stop()
    }

    @Test("410 Gone: the watch lists again and carries on")
    func relistOnGone() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        let watcher = try await startedWatcher(standIn)
        try standIn.control(["op": "compact"])
        #expect(await eventually { standIn.stats()["nodes"]?.lists == 2 })
        try standIn.upsert("nodes", KubeObjects.node("node-e", ipv4: "10.0.0.50/24", tunnel: "192.168.60.0", mac: "66:60:00:00:00:01"))
        #expect(await eventually { nodes(watcher).contains("node-e") })
        await watcher.stop()
    }

    @Test("the API going away: the last good view stays, its age grows, the outage is reported")
    func apiGoesAway() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        let watcher = try await startedWatcher(standIn)
        let before = watcher.input(maxViewAgeSeconds: 600).view
        try standIn.goAway()
        #expect(await eventually(15) { watcher.input(maxViewAgeSeconds: 600).outage != nil })
        try await Task.sleep(for: .seconds(1.2))
        let input = watcher.input(maxViewAgeSeconds: 600)
        #expect(input.view?.nodes == before?.nodes)
        #expect(input.viewAgeSeconds >= 1)
        // Past the bound the analyzer stops the cluster checks.
        #expect(watcher.input(maxViewAgeSeconds: 0).usableView == nil)
        await watcher.stop()
    }
}
