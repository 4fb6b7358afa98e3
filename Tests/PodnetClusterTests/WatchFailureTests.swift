import Foundation
import Logging
import PodnetCluster
import PodnetTestSupport
import Testing

@Suite("Watch failures: expired continue tokens, one resource failing, watches ending on time", .serialized)
struct WatchFailureTests {
    func watcher(_ standIn: KubeAPIStandIn, pageSize: Int = KubeAPIClient.defaultPageSize, watchTimeout: ClosedRange<Int> = 30...40) throws
        -> ClusterWatcher
    {
        let credentials = try KubeCredentialsResolver.resolve(explicitKubeconfig: try standIn.writeKubeconfig())
        let client = try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: 5, pageSize: pageSize)
        return ClusterWatcher(
            client: client, nodeName: "node-a", nodeNameSource: "test", logger: Logger(label: "test"),
            watchTimeoutSeconds: watchTimeout)
    }

    func nodes(_ watcher: ClusterWatcher) -> [String] {
        watcher.input(maxViewAgeSeconds: 600).view?.nodes.map(\.name) ?? []
    }

    /// The stand-in's request counts of one resource (`lists`, `watches`, `failed`).
    func counts(_ standIn: KubeAPIStandIn, _ resource: String) -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: standIn.directory + "/stats.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Int]]
        else { return [:] }
        return object[resource] ?? [:]
    }

    @Test("a continue token that keeps expiring (410): the list starts again from scratch, backing off, and completes once it can")
    func expiredContinueToken() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        try standIn.control(["op": "continue", "mode": "expire"])
        try await Task.sleep(for: .milliseconds(300))  // the stand-in reads its control file every 50 ms
        // Pages of 2: the three nodes take two pages, and the second page's token has expired.
        let watcher = try watcher(standIn, pageSize: 2)
        watcher.start()
        try await Task.sleep(for: .seconds(4))
        let firstPages = counts(standIn, "nodes")["lists"] ?? 0
        let expired = counts(standIn, "nodes")["failed"] ?? 0
        #expect(firstPages >= 2, "the list is tried again after a 410 on its continue token")
        // Kubernetes' reflector backs off between attempts too; without it this is hundreds.
        #expect(firstPages <= 8 && expired <= 8, "\(firstPages) lists and \(expired) expired pages in 4 s: a loop without backoff")
        #expect(nodes(watcher).isEmpty, "no view from a list that never completed")
        try standIn.control(["op": "continue", "mode": "serve"])
        #expect(await eventually(20) { nodes(watcher) == ["node-a", "node-b", "node-c"] }, "the list completes from scratch, no page twice")
        await watcher.stop()
    }

    @Test("one resource failing while the others stay current: the outage holds, its duration grows, and ends on recovery")
    func oneResourceFailing() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        let watcher = try watcher(standIn)
        watcher.start()
        #expect(await eventually { nodes(watcher).count == 3 }, "the first list arrives")
        // Bookmarks of nodes and ippools keep arriving every second (the stand-in's default).
        try standIn.control(["op": "fail", "resource": "blockaffinities", "code": 500])
        #expect(await eventually(10) { watcher.input(maxViewAgeSeconds: 600).outage != nil })
        var gaps = 0
        var longest = 0
        let until = Date().addingTimeInterval(3.5)
        while Date() < until {
            if let outage = watcher.input(maxViewAgeSeconds: 600).outage {
                longest = max(longest, outage.seconds)
            } else {
                gaps += 1
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(gaps == 0, "the outage vanished \(gaps) times while blockaffinities kept failing (another resource's bookmark)")
        #expect(longest >= 3, "the outage's duration grows: \(longest) s")
        #expect(watcher.input(maxViewAgeSeconds: 600).outage?.reason.contains("500") == true)
        try standIn.control(["op": "fail", "resource": "blockaffinities", "code": 0])
        #expect(await eventually(20) { watcher.input(maxViewAgeSeconds: 600).outage == nil }, "the outage ends when the resource is back")
        await watcher.stop()
    }

    @Test("a watch the server ends after timeoutSeconds is opened again from its resourceVersion, without a list")
    func watchEndsOnTime() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        let watcher = try watcher(standIn, watchTimeout: 1...1)
        watcher.start()
        #expect(await eventually { nodes(watcher).count == 3 })
        #expect(await eventually(10) { (standIn.stats()["nodes"]?.watches ?? 0) >= 4 })
        try standIn.upsert("nodes", KubeObjects.node("node-d", ipv4: "10.0.0.40/24", tunnel: "192.168.50.0", mac: "66:50:00:00:00:01"))
        #expect(await eventually { nodes(watcher).contains("node-d") })
        for resource in ["nodes", "ippools", "blockaffinities"] {
            #expect(standIn.stats()[resource]?.lists == 1, "\(resource): \(String(describing: standIn.stats()[resource]))")
        }
        #expect(watcher.input(maxViewAgeSeconds: 600).outage == nil)
        await watcher.stop()
    }

    @Test("a watch that ends at once without an event (a proxy closing streams) is an error backed off, not a loop")
    func watchEndsAtOnce() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        try standIn.control(["op": "watches", "mode": "close"])
        try await Task.sleep(for: .milliseconds(300))  // the stand-in reads its control file every 50 ms
        let watcher = try watcher(standIn)
        watcher.start()
        #expect(await eventually { nodes(watcher).count == 3 }, "the first list arrives")
        try await Task.sleep(for: .seconds(4))
        let watches = standIn.stats()["nodes"]?.watches ?? 0
        // client-go's reflector treats a watch shorter than a second without an event as an error too.
        #expect(watches >= 2 && watches <= 8, "\(watches) watches in 4 s")
        #expect(standIn.stats()["nodes"]?.lists == 1, "no relist for it")
        try standIn.control(["op": "watches", "mode": "serve"])
        try standIn.upsert("nodes", KubeObjects.node("node-d", ipv4: "10.0.0.40/24", tunnel: "192.168.50.0", mac: "66:50:00:00:00:01"))
        #expect(await eventually(40) { nodes(watcher).contains("node-d") }, "the watch carries on once the server keeps it open")
        await watcher.stop()
    }

    @Test("stop() with every watch open returns promptly (a daemon's stop and restart wait for it)")
    func stopIsPrompt() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        let watcher = try watcher(standIn)
        watcher.start()
        #expect(await eventually { nodes(watcher).count == 3 && watcher.counters().values.allSatisfy(\.connected) })
        try await Task.sleep(for: .milliseconds(500))
        let started = ContinuousClock.now
        await watcher.stop()
        let took = ContinuousClock.now - started
        // NIOSSL waited 5 s for the server's close_notify on each open watch (this stand-in, busy
        // writing the watch, never reads it).
        #expect(took < .milliseconds(1500), "stop() took \(took)")
    }
}
