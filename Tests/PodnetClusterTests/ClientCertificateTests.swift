import Foundation
import PodnetCluster
import PodnetTestSupport
import Testing

/// Kubeconfigs that authenticate with a client certificate (`client-certificate(-data)`,
/// `client-key(-data)`) against the stand-in requiring one (a client CA made at test time).
@Suite("Kubernetes API client with client certificates", .serialized)
struct ClientCertificateTests {
    func list(_ kubeconfig: String) async throws -> Int {
        let credentials = try KubeCredentialsResolver.resolve(explicitKubeconfig: kubeconfig)
        let client = try KubeAPIClient(credentials: credentials, requestTimeoutSeconds: 5)
        do {
            let view = try await ClusterLister.list(client: client, nodeName: "node-a", nodeNameSource: "test")
            await client.shutdown()
            return view.nodes.count
        } catch {
            await client.shutdown()
            throw error
        }
    }

    @Test("a client certificate signed by the server's client CA is accepted, from files and inline data")
    func validCertificate() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects, requireClientCertificate: true)
        defer { standIn.stop() }
        #expect(try await list(try standIn.writeClientCertificateKubeconfig(.valid)) == 3)
        #expect(try await list(try standIn.writeClientCertificateKubeconfig(.valid, inline: true)) == 3)
        #expect(standIn.stats()["nodes"]?.lists == 2)
    }

    @Test("a certificate of another CA, or none, is refused with a transport error naming the server")
    func refusedCertificates() async throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects, requireClientCertificate: true)
        defer { standIn.stop() }
        let cases = [
            (try standIn.writeClientCertificateKubeconfig(.wrongCA), "the API server refused the client certificate (unknown_ca: "),
            (try standIn.writeKubeconfig(), "the API server requires a client certificate and the credentials have none"),
        ]
        for (kubeconfig, explanation) in cases {
            do {
                _ = try await list(kubeconfig)
                Issue.record("the stand-in accepted \(kubeconfig)")
            } catch let error as KubeError {
                guard case .transport(let message) = error else {
                    Issue.record("expected a transport error, got \(error)")
                    continue
                }
                #expect(message.hasPrefix("https://127.0.0.1:\(standIn.port): \(explanation)"), "\(message)")
            }
        }
        #expect((standIn.stats()["nodes"]?.lists ?? 0) == 0, "no request may pass without a valid client certificate")
    }

    @Test("a client certificate without its key is a credentials error naming the missing key")
    func certificateWithoutKey() throws {
        try requireStandInTools()
        let standIn = try KubeAPIStandIn(objects: SmallCluster.objects, requireClientCertificate: true)
        defer { standIn.stop() }
        let kubeconfig = try standIn.writeClientCertificateKubeconfig(.valid, withKey: false)
        #expect {
            try KubeCredentialsResolver.resolve(explicitKubeconfig: kubeconfig)
        } throws: { error in
            "\(error)" == "\(kubeconfig): user podnetd has a client certificate but no client-key (or client-key-data)"
        }
    }
}
