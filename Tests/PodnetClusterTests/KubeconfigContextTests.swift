import Foundation
import PodnetCluster
import Testing

@Suite("Kubeconfig contexts and auth plugins; a service-account token swapped by its ..data symlink")
struct KubeconfigContextTests {
    /// A scratch directory removed by `body`'s caller.
    func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "podnetd-kubeconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A kubeconfig with one cluster, one context `only` and the given user body and current-context line.
    func kubeconfig(in directory: String, currentContext: String?, user: String = "token: abc") throws -> String {
        let path = directory + "/kubeconfig"
        let userLines = user.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        try """
            apiVersion: v1
            kind: Config
            clusters:
            - name: prod
              cluster:
                server: https://10.96.0.1:443
            users:
            - name: me
              user:
            \(userLines)
            contexts:
            - name: only
              context:
                cluster: prod
                user: me
            \(currentContext.map { "current-context: \($0)" } ?? "")
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func error(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("current-context naming a missing context is an error naming it, not the file's other context")
    func missingCurrentContext() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try kubeconfig(in: directory, currentContext: "staging")
        let message = error { _ = try KubeCredentialsResolver.resolve(explicitKubeconfig: path, environment: [:]) }
        #expect(message?.contains("no context \"staging\"") == true, "\(message ?? "no error: it connected with context \"only\"")")
        // Without a current-context the file's only context is still taken.
        let implicit = try kubeconfig(in: directory, currentContext: nil)
        #expect(try KubeCredentialsResolver.resolve(explicitKubeconfig: implicit, environment: [:]).server == "https://10.96.0.1:443")
    }

    @Test("a user authenticating with an exec or auth-provider plugin gets a one-line error naming the plugin")
    func execPlugin() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exec = try kubeconfig(
            in: directory, currentContext: "only",
            user: "exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: aws\n  args: [eks, get-token, --cluster-name, prod]")
        let message = error { _ = try KubeCredentialsResolver.resolve(explicitKubeconfig: exec, environment: [:]) }
        #expect(message?.contains("exec plugin (aws)") == true, "\(message ?? "no error")")
        #expect(message?.contains("\n") == false)
        let provider = try kubeconfig(in: directory, currentContext: "only", user: "auth-provider:\n  name: oidc")
        let providerMessage = error { _ = try KubeCredentialsResolver.resolve(explicitKubeconfig: provider, environment: [:]) }
        #expect(providerMessage?.contains("auth-provider plugin (oidc)") == true, "\(providerMessage ?? "no error")")
    }

    @Test("in-cluster: a projected token replaced by the kubelet's ..data symlink swap is read anew")
    func tokenSymlinkSwap() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let manager = FileManager.default
        func generation(_ name: String, token: String) throws {
            try manager.createDirectory(atPath: directory + "/" + name, withIntermediateDirectories: true)
            try (token + "\n").write(toFile: "\(directory)/\(name)/token", atomically: false, encoding: .utf8)
            try "-----BEGIN CERTIFICATE-----\n".write(toFile: "\(directory)/\(name)/ca.crt", atomically: false, encoding: .utf8)
        }
        // The layout the kubelet's atomic writer makes: token -> ..data/token, ..data -> ..<timestamp>.
        try generation("..2026_11_30_01_00_00.1", token: "first")
        try manager.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..2026_11_30_01_00_00.1")
        try manager.createSymbolicLink(atPath: directory + "/token", withDestinationPath: "..data/token")
        try manager.createSymbolicLink(atPath: directory + "/ca.crt", withDestinationPath: "..data/ca.crt")
        let credentials = try KubeCredentialsResolver.resolve(
            explicitKubeconfig: nil, environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1"],
            serviceAccountDirectory: directory, calicoKubeconfig: directory + "/none")
        #expect(try credentials.bearerToken() == "first")
        // Rotation: a new generation, ..data_tmp pointing to it renamed over ..data, the old one removed.
        try generation("..2026_11_30_01_48_00.2", token: "second")
        try manager.createSymbolicLink(atPath: directory + "/..data_tmp", withDestinationPath: "..2026_11_30_01_48_00.2")
        #expect(rename(directory + "/..data_tmp", directory + "/..data") == 0)
        try manager.removeItem(atPath: directory + "/..2026_11_30_01_00_00.1")
        #expect(try credentials.bearerToken() == "second")
    }
}
