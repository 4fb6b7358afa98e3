import Foundation
import PodnetAnalysis
import PodnetCluster
import PodnetModel
import PodnetTestSupport
import Testing

@Suite("Kubernetes API client against the HTTPS stand-in", .serialized)
struct KubeAPIClientTests {
    func client(_ standIn: KubeAPIStandIn, inlineToken: String? = nil) throws -> KubeAPIClient {
        let credentials = try KubeCredentialsResolver.resolve(explicitKubeconfig: try standIn.writeKubeconfig(inlineToken: inlineToken))
        return try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: 5)
    }

    @Test("one list reads nodes, pools and affinities as the upstream schemas shape them")
    func listReadsUpstreamShapes() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        let client = try client(standIn)
        let view = try await ClusterLister.list(client: client, nodeName: "node-a", nodeNameSource: "test")
        await client.shutdown()
        #expect(view.nodes.map(\.name) == ["node-a", "node-b", "node-c"])
        let a = try #require(view.localNode)
        #expect(a.calicoIPv4Address == IPPrefix("10.0.0.10/24"))
        #expect(a.vxlanTunnelAddress == IPAddress("192.168.231.0"))
        #expect(a.vxlanTunnelMAC == HardwareAddress("66:0a:00:00:00:10"))
        #expect(a.capacityPods == 58 && a.instanceType == "m5.large")
        #expect(a.internalIPs == [IPAddress("10.0.0.10")!])
        #expect(view.pools == [CalicoIPPool(name: "default-ipv4-ippool", cidr: IPPrefix("192.168.0.0/16")!, blockSize: 26, vxlanMode: "Always", ipipMode: "Never")])
        #expect(view.blockAffinities.count == 4)
        let deleted = try #require(view.blockAffinities.first { $0.cidr == IPPrefix("192.168.99.0/26") })
        #expect(deleted.deleted && deleted.state == "pendingDeletion" && !deleted.isConfirmed)
        #expect(view.blockAffinities.first { $0.node == "node-b" }?.name == "node-b-192-168-35-0-26")
        #expect(view.source.hasPrefix("https://127.0.0.1:\(standIn.port) (kubeconfig "))
    }

    @Test("lists are paged: 1,200 affinities in pages of the default size")
    func listIsPaged() async throws {
        try requireStandInTools()
        var objects = SmallCluster.objects
        objects["blockaffinities"] = (0..<1200).map {
            KubeObjects.blockAffinity(node: "node-\($0 / 2)", cidr: "10.\($0 / 256).\($0 % 256).0/26")
        }
        let standIn = try KubeAPIStandIn(objects: objects)
        defer { standIn.stop() }
        let client = try client(standIn)
        let view = try await ClusterLister.list(client: client, nodeName: "node-a", nodeNameSource: "test")
        await client.shutdown()
        #expect(view.blockAffinities.count == 1200)
        #expect(Set(view.blockAffinities.map(\.name)).count == 1200, "no page read twice, none skipped")
        let pageSize = KubeAPIClient.defaultPageSize
        #expect(standIn.stats()["blockaffinities"]?.lists == (1200 + pageSize - 1) / pageSize)
    }

    @Test("the server's certificate is verified: without its CA the connection fails")
    func tlsIsVerified() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects)
        defer { standIn.stop() }
        let credentials = KubeCredentials(
            server: "https://127.0.0.1:\(standIn.port)", caPEM: nil, token: .file(standIn.directory + "/token"), origin: "test")
        let client = try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: 5)
        await #expect(throws: KubeError.self) {
            _ = try await ClusterLister.list(client: client, nodeName: "node-a", nodeNameSource: "test")
        }
        await client.shutdown()
        #expect(standIn.stats()["nodes"]?.lists ?? 0 == 0, "no request may reach an unverified server")
    }

    @Test("a wrong token is refused (401) and a rotated token file is picked up on the next request")
    func tokenRotation() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects, token: "first")
        defer { standIn.stop() }
        let client = try client(standIn)
        _ = try await ClusterLister.list(client: client, nodeName: "node-a", nodeNameSource: "test")
        try standIn.rotateToken("second")
        // The kubeconfig's tokenFile is the stand-in's own token file: already rotated.
        let view = try await ClusterLister.list(client: client, nodeName: "node-a", nodeNameSource: "test")
        #expect(view.nodes.count == 3)
        await client.shutdown()

        let inline = try self.client(standIn, inlineToken: "stale")
        do {
            _ = try await ClusterLister.list(client: inline, nodeName: "node-a", nodeNameSource: "test")
            Issue.record("a stale token was accepted")
        } catch KubeError.status(let code, _) {
            #expect(code == 401)
        }
        // Calico rewrites its kubeconfig with the new token: the client reads it again.
        _ = try standIn.writeKubeconfig(inlineToken: "second")
        let again = try await ClusterLister.list(client: inline, nodeName: "node-a", nodeNameSource: "test")
        #expect(again.nodes.count == 3)
        await inline.shutdown()
    }

    @Test("credentials: the in-cluster service account, then Calico's CNI kubeconfig")
    func credentialOrder() throws {
        let directory = NSTemporaryDirectory() + "podnetd-sa-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "tok\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\n".write(toFile: directory + "/ca.crt", atomically: true, encoding: .utf8)
        let inCluster = try KubeCredentialsResolver.resolve(
            explicitKubeconfig: nil, environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: directory, calicoKubeconfig: directory + "/none")
        #expect(inCluster.server == "https://10.96.0.1:443" && inCluster.origin == "in-cluster service account")
        #expect(try inCluster.bearerToken() == "tok")
        let calico = directory + "/calico-kubeconfig"
        try KubeObjects.calicoKubeconfig(server: "https://10.96.0.1:443", caPEM: Data("pem".utf8), token: "abc")
            .write(toFile: calico, atomically: true, encoding: .utf8)
        let fromCalico = try KubeCredentialsResolver.resolve(
            explicitKubeconfig: nil, environment: [:], serviceAccountDirectory: directory + "/none", calicoKubeconfig: calico)
        #expect(fromCalico.origin == "Calico CNI kubeconfig \(calico)")
        #expect(try fromCalico.bearerToken() == "abc")
        #expect(fromCalico.caPEM == Array("pem".utf8))
        #expect(throws: KubeError.self) {
            try KubeCredentialsResolver.resolve(
                explicitKubeconfig: nil, environment: [:], serviceAccountDirectory: directory + "/none",
                calicoKubeconfig: directory + "/none")
        }
    }
}
