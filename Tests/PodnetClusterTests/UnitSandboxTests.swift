import Foundation
import AsyncHTTPClient
import NIOCore
import PodnetTestSupport
import Testing

@testable import PodnetCluster

/// The credential systemd hands over (LoadCredential=) as a source, and the sandbox diagnoses
/// that name the opt-in drop-in instead of a generic error.
@Suite("the systemd unit's sandbox: credential source and diagnoses")
struct UnitSandboxTests {
    static func kubeconfig(token: String) -> String {
        KubeObjects.calicoKubeconfig(server: "https://10.96.0.1:443", caPEM: Data("pem".utf8), token: token)
    }

    @Test("$CREDENTIALS_DIRECTORY/kubeconfig comes after the service account and before Calico's path")
    func credentialSourceOrder() throws {
        let directory = NSTemporaryDirectory() + "podnetd-cred-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/creds", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.kubeconfig(token: "from-credential").write(toFile: directory + "/creds/kubeconfig", atomically: true, encoding: .utf8)
        try Self.kubeconfig(token: "from-calico").write(toFile: directory + "/calico", atomically: true, encoding: .utf8)
        let environment = ["CREDENTIALS_DIRECTORY": directory + "/creds"]

        let credential = try KubeCredentialsResolver.resolve(
            explicitKubeconfig: nil, environment: environment, serviceAccountDirectory: directory + "/none",
            calicoKubeconfig: directory + "/calico")
        #expect(credential.origin == "systemd credential \(directory)/creds/kubeconfig")
        #expect(try credential.bearerToken() == "from-credential")

        // An empty credentials directory (the store had no podnetd-kubeconfig): Calico's path next.
        try FileManager.default.removeItem(atPath: directory + "/creds/kubeconfig")
        let calico = try KubeCredentialsResolver.resolve(
            explicitKubeconfig: nil, environment: environment, serviceAccountDirectory: directory + "/none",
            calicoKubeconfig: directory + "/calico")
        #expect(try calico.bearerToken() == "from-calico")

        // The service account still wins over the credential.
        try Self.kubeconfig(token: "from-credential").write(toFile: directory + "/creds/kubeconfig", atomically: true, encoding: .utf8)
        try "sa-token\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\n".write(toFile: directory + "/ca.crt", atomically: true, encoding: .utf8)
        let inCluster = try KubeCredentialsResolver.resolve(
            explicitKubeconfig: nil, environment: environment.merging(["KUBERNETES_SERVICE_HOST": "10.96.0.1"]) { $1 },
            serviceAccountDirectory: directory, calicoKubeconfig: directory + "/calico")
        #expect(inCluster.origin == "in-cluster service account")
    }

    @Test("a connect that fails and a probe refused locally: under the unit its IP firewall and the drop-in; outside, a host firewall")
    func connectBlockedLocally() {
        let timeout = HTTPClientError.connectTimeout
        let underUnit = UnitSandbox.transportError(
            timeout, server: "https://10.0.0.10:6443", environment: ["INVOCATION_ID": "abc"], probe: { _ in true })
        #expect("\(underUnit)".contains("the podnetd unit's IP firewall (IPAddressDeny=any"), "\(underUnit)")
        #expect("\(underUnit)".contains("EPERM"), "\(underUnit)")
        #expect(UnitSandbox.remedy(for: "\(underUnit)")?.contains(UnitSandbox.dropInPath) == true)

        let outside = UnitSandbox.transportError(timeout, server: "https://10.0.0.10:6443", environment: [:], probe: { _ in true })
        #expect("\(outside)".contains("a host firewall"), "\(outside)")
        #expect(UnitSandbox.remedy(for: "\(outside)")?.contains(UnitSandbox.dropInPath) == false)

        // EPERM from connect itself needs no probe.
        let eperm = UnitSandbox.transportError(
            IOError(errnoCode: EPERM, reason: "connect"), server: "https://10.0.0.10:6443", environment: ["INVOCATION_ID": "abc"],
            probe: { _ in false })
        #expect(UnitSandbox.remedy(for: "\(eperm)") != nil, "\(eperm)")

        // A server that is just away: the probe passes, the error stays what it was.
        let away = UnitSandbox.transportError(
            timeout, server: "https://10.0.0.10:6443", environment: ["INVOCATION_ID": "abc"], probe: { _ in false })
        #expect(UnitSandbox.remedy(for: "\(away)") == nil, "\(away)")
        // Not a connect failure: no probe at all.
        var probed = false
        _ = UnitSandbox.transportError(
            HTTPClientError.remoteConnectionClosed, server: "https://10.0.0.10:6443", environment: [:],
            probe: { _ in probed = true; return true })
        #expect(!probed)
    }
}
