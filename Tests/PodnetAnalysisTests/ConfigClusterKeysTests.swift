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

    @Test("kubernetes.firstListWaitSeconds: 30 by default, 0 to 45, a mistake names the line")
    func firstListWait() throws {
        #expect(try PodnetConfigFile.parse(yaml: "cni: auto\n", path: Self.path).kubernetes.firstListWaitSeconds == 30)
        let zero = try PodnetConfigFile.parse(yaml: "kubernetes:\n  firstListWaitSeconds: 0\n", path: Self.path)
        #expect(zero.kubernetes.firstListWaitSeconds == 0)
        do {
            _ = try PodnetConfigFile.parse(yaml: "kubernetes:\n  firstListWaitSeconds: 90\n", path: Self.path)
            Issue.record("a wait beyond the unit's start timeout was accepted")
        } catch {
            #expect("\(error)".contains("podnetd.yaml:2") && "\(error)".contains("kubernetes.firstListWaitSeconds"), "\(error)")
        }
    }
}
