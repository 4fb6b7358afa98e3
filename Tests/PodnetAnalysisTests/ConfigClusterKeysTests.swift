import PodnetAnalysis
import PodnetConfig
import PodnetModel
import Testing

@Suite("Config: kubernetes and ipamd keys")
struct ConfigClusterKeysTests {
    static let path = "/etc/podnetd/podnetd.yaml"

    @Test("the keys parse, and explicitly set keys are recorded as the override")
    func parses() throws {
        let config = try PodnetConfigFile.parse(
            yaml: "maxPods: 58\nkubernetes:\n  kubeconfig: /etc/podnetd/kubeconfig\n  maxViewAgeSeconds: 120\nipamd:\n  introspectionAddress: off\n",
            path: Self.path)
        #expect(config.kubernetes == KubernetesSettings(kubeconfig: "/etc/podnetd/kubeconfig", maxViewAgeSeconds: 120))
        #expect(config.ipamd.introspectionAddress == nil)
        #expect(config.explicitKeys == ["maxPods", "kubernetes", "ipamd"])
        #expect(try ExpectationsResolver().resolve(config).explicitKeys.contains("maxPods"))
    }

    @Test("mistakes name the file, line and key")
    func mistakes() {
        do {
            _ = try PodnetConfigFile.parse(yaml: "kubernetes:\n  kubeconfig: kubeconfig\n", path: Self.path)
            Issue.record("a relative kubeconfig was accepted")
        } catch {
            #expect("\(error)".hasPrefix("podnetd.yaml:2: kubernetes.kubeconfig:") || "\(error)".contains("kubernetes.kubeconfig"), "\(error)")
        }
        do {
            _ = try PodnetConfigFile.parse(yaml: "ipamd:\n  introspectionAddress: 10.0.0.1:61679\n", path: Self.path)
            Issue.record("a non-loopback introspection address was accepted")
        } catch {
            #expect("\(error)".contains("ipamd.introspectionAddress") && "\(error)".contains("loopback"), "\(error)")
        }
    }
}
