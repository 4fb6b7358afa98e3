import Foundation
import Logging
import PodnetCluster
import PodnetModel
import PodnetTestSupport
import Testing

/// The Node fields the dual-stack and selector checks need, read through list and watch: the IPv6
/// annotations of every node, and the labels of this node only.
@Suite("Cluster view: IPv6 annotations and this node's labels", .serialized)
struct ClusterViewNodeFieldsTests {
    static var objects: [String: [[String: Any]]] {
        var objects = SmallCluster.objects
        objects["nodes"] = [
            KubeObjects.node(
                "node-a", ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: "66:0a:00:00:00:10", ipv6: "fd00:10::10/64",
                tunnelV6: "fd00:244:0:e7::", macV6: "66:0a:00:00:00:16", labels: ["pool": "blue"]),
            KubeObjects.node("node-b", ipv4: "10.0.0.20/24", tunnel: "192.168.35.0", mac: "66:35:00:00:00:20", labels: ["pool": "green"]),
        ]
        return objects
    }

    @Test("a list reads the IPv6 annotations and keeps only this node's labels")
    func listReadsIPv6AndLocalLabels() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: Self.objects)
        defer { standIn.stop() }
        let credentials = try KubeCredentialsResolver.resolve(explicitKubeconfig: try standIn.writeKubeconfig())
        let client = try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: 5)
        let view = try await ClusterLister.list(client: client, nodeName: "node-a", nodeNameSource: "test")
        await client.shutdown()
        let a = try #require(view.localNode)
        #expect(a.calicoIPv6Address == IPPrefix("fd00:10::10/64"))
        #expect(a.vxlanTunnelAddressV6 == IPAddress("fd00:244:0:e7::"))
        #expect(a.vxlanTunnelMACV6 == HardwareAddress("66:0a:00:00:00:16"))
        #expect(view.nodes.first { $0.name == "node-b" }?.vxlanTunnelAddressV6 == nil)
        #expect(view.localNodeLabels == ["kubernetes.io/hostname": "node-a", "kubernetes.io/os": "linux", "pool": "blue"])
    }

    @Test("the watch follows this node's labels; a view without this node has none")
    func watchFollowsLocalLabels() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: Self.objects)
        defer { standIn.stop() }
        let credentials = try KubeCredentialsResolver.resolve(explicitKubeconfig: try standIn.writeKubeconfig())
        let client = try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: 5)
        let watcher = ClusterWatcher(
            client: client, nodeName: "node-a", nodeNameSource: "test", logger: Logger(label: "test"), watchTimeoutSeconds: 30...40)
        watcher.start()
        func labels() -> [String: String]? { watcher.input(maxViewAgeSeconds: 600).view?.localNodeLabels }
        #expect(await eventually { labels()?["pool"] == "blue" })
        try standIn.upsert("nodes", KubeObjects.node("node-a", ipv4: "10.0.0.10/24", tunnel: "192.168.231.0", mac: nil, labels: ["pool": "red"]))
        #expect(await eventually { labels()?["pool"] == "red" })
        try standIn.upsert("nodes", KubeObjects.node("node-b", ipv4: "10.0.0.20/24", tunnel: "192.168.35.0", mac: nil, labels: ["pool": "gold"]))
        try standIn.delete("nodes", name: "node-a")
        #expect(await eventually { watcher.input(maxViewAgeSeconds: 600).view?.localNode == nil })
        #expect(labels() == nil)
        await watcher.stop()
    }
}
