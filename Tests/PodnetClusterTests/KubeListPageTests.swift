import Foundation
import PodnetAnalysis
import PodnetCluster
import PodnetModel
import PodnetTestSupport
import Testing

/// List pages as large clusters serve them: Nodes with the status and metadata a real kubelet and
/// cloud provider write, many per page, and pages larger than podnetd accepts.
@Suite("List pages: page size, realistic Nodes, the body bound", .serialized)
struct KubeListPageTests {
    func client(_ standIn: KubeAPIStandIn, pageSize: Int = KubeAPIClient.defaultPageSize, maxPageBytes: Int = KubeAPIClient.defaultMaxPageBytes) throws -> KubeAPIClient {
        let credentials = try KubeCredentialsResolver.resolve(explicitKubeconfig: try standIn.writeKubeconfig())
        return try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: 10, pageSize: pageSize, maxPageBytes: maxPageBytes)
    }

    /// Node `index` as a kubelet on EC2 writes it: a dozen annotations and labels besides Calico's,
    /// conditions, an image list, node info; the instance type only in the older beta label for odd
    /// indices. About 4 kB of JSON.
    static func realisticNode(_ index: Int) -> [String: Any] {
        let name = "ip-10-1-\(index / 250)-\(index % 250 + 1).eu-west-1.compute.internal"
        var node = KubeObjects.node(
            name, ipv4: "10.1.\(index / 250).\(index % 250 + 1)/16", tunnel: "100.64.\(index / 4).\(index % 4 * 64)",
            mac: String(format: "66:00:00:00:%02x:%02x", index / 256, index % 256), pods: 17 + index % 3,
            instanceType: index % 2 == 0 ? "m5.large" : nil, uid: String(format: "%08x-0000-4000-8000-%012x", index, index))
        var metadata = node["metadata"] as? [String: Any] ?? [:]
        var annotations = metadata["annotations"] as? [String: Any] ?? [:]
        for key in ["node.alpha.kubernetes.io/ttl", "volumes.kubernetes.io/controller-managed-attach-detach",
                    "csi.volume.kubernetes.io/nodeid", "alpha.kubernetes.io/provided-node-ip", "kubeadm.alpha.kubernetes.io/cri-socket"] {
            annotations[key] = "{\"ebs.csi.aws.com\":\"i-\(String(format: "%017x", index))\"}"
        }
        metadata["annotations"] = annotations
        var labels = metadata["labels"] as? [String: Any] ?? [:]
        if index % 2 == 1 { labels["beta.kubernetes.io/instance-type"] = "t3a.medium" }
        for key in ["topology.kubernetes.io/zone", "topology.kubernetes.io/region", "eks.amazonaws.com/nodegroup",
                    "kubernetes.io/arch", "failure-domain.beta.kubernetes.io/zone"] {
            labels[key] = "value-\(index % 7)"
        }
        metadata["labels"] = labels
        metadata["managedFields"] = [["manager": "kubelet", "operation": "Update", "fieldsType": "FieldsV1",
                                      "fieldsV1": ["f:status": ["f:conditions": ["k:{\"type\":\"Ready\"}": [".": [:]]]]]]]
        node["metadata"] = metadata
        var status = node["status"] as? [String: Any] ?? [:]
        status["conditions"] = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"].map {
            ["type": $0, "status": $0 == "Ready" ? "True" : "False", "reason": "Kubelet" + $0, "message": "kubelet is posting",
             "lastHeartbeatTime": "2026-11-29T20:00:00Z", "lastTransitionTime": "2026-11-01T00:00:00Z"]
        }
        status["images"] = (0..<12).map { image in
            ["names": ["registry.example/app-\(image)@sha256:" + String(repeating: String(format: "%02x", (index + image) % 256), count: 32),
                       "registry.example/app-\(image):v1"],
             "sizeBytes": 10_000_000 + image] as [String: Any]
        }
        status["nodeInfo"] = ["kubeletVersion": "v1.31.2", "containerRuntimeVersion": "containerd://1.7.22",
                              "machineID": String(format: "%032x", index), "bootID": String(format: "%032x", index)]
        node["status"] = status
        return node
    }

    @Test("250 realistic Nodes in pages of 100 and in one page of 250: every field read, the rest skipped")
    func realisticNodesDecode() async throws {
        try requireStandInTools()
        var objects = SmallCluster.objects
        objects["nodes"] = (0..<250).map(Self.realisticNode)
        let json = try JSONSerialization.data(withJSONObject: objects["nodes"] ?? [])
        #expect(json.count > 250 * 3_000, "the Nodes are as large as real ones: \(json.count) bytes")
        let standIn = try KubeAPIStandIn(objects: objects)
        defer { standIn.stop() }
        for pageSize in [100, 250] {
            let client = try client(standIn, pageSize: pageSize)
            let view = try await ClusterLister.list(client: client, nodeName: "ip-10-1-0-8.eu-west-1.compute.internal", nodeNameSource: "test")
            await client.shutdown()
            #expect(view.nodes.count == 250)
            for index in [0, 7, 99, 100, 249] {
                let name = "ip-10-1-\(index / 250)-\(index % 250 + 1).eu-west-1.compute.internal"
                let node = try #require(view.nodes.first { $0.name == name })
                #expect(node.uid == String(format: "%08x-0000-4000-8000-%012x", index, index))
                #expect(node.calicoIPv4Address == IPPrefix("10.1.\(index / 250).\(index % 250 + 1)/16"))
                #expect(node.vxlanTunnelAddress == IPAddress("100.64.\(index / 4).\(index % 4 * 64)"))
                #expect(node.vxlanTunnelMAC == HardwareAddress(String(format: "66:00:00:00:%02x:%02x", index / 256, index % 256)))
                #expect(node.internalIPs == [IPAddress("10.1.\(index / 250).\(index % 250 + 1)")!])
                #expect(node.podCIDRs == [IPPrefix("10.244.0.0/24")!])
                #expect(node.capacityPods == 17 + index % 3)
                #expect(node.instanceType == (index % 2 == 0 ? "m5.large" : "t3a.medium"))
            }
        }
        #expect(standIn.stats()["nodes"]?.lists == 3 + 1)
    }

    @Test("a page larger than the bound fails the list with an error naming the path and the bound")
    func pageOverTheBound() async throws {
        try requireStandInTools()
        var objects = SmallCluster.objects
        objects["nodes"] = (0..<40).map(Self.realisticNode)
        let standIn = try KubeAPIStandIn(objects: objects)
        defer { standIn.stop() }
        let client = try client(standIn, pageSize: 40, maxPageBytes: 64 << 10)
        do {
            _ = try await ClusterLister.list(client: client, nodeName: "node-a", nodeNameSource: "test")
            Issue.record("a page over the bound was accepted")
        } catch {
            #expect("\(error)" == "/api/v1/nodes: a list page of 40 objects is larger than 65536 bytes, the most podnetd accepts")
        }
        // Within the bound (smaller pages), the same client's settings otherwise work.
        let small = try self.client(standIn, pageSize: 10, maxPageBytes: 64 << 10)
        let view = try await ClusterLister.list(client: small, nodeName: "node-a", nodeNameSource: "test")
        #expect(view.nodes.count == 40)
        await client.shutdown()
        await small.shutdown()
    }
}
