import PodnetAnalysis
import PodnetConfig
import PodnetModel
import Testing

@Suite("Expectations resolver")
struct ExpectationsResolverTests {
    static let al2 = "/etc/kubernetes/kubelet/kubelet-config.json"
    static let al2023 = "/etc/kubernetes/kubelet/config.json"
    static let kubeadm = "/var/lib/kubelet/config.yaml"
    static let dmi = "/sys/devices/virtual/dmi/id/product_name"

    func resolver(_ files: [String: String], vCPUs: Int? = 2) -> ExpectationsResolver {
        ExpectationsResolver(files: InMemoryFiles(files), vCPUs: { vCPUs })
    }

    @Test("maxPods from EKS AL2's JSON kubelet config")
    func jsonKubeletConfig() throws {
        let json = """
            {
              "kind": "KubeletConfiguration",
              "apiVersion": "kubelet.config.k8s.io/v1beta1",
              "clusterDNS": ["10.100.0.10"],
              "maxPods": 17,
              "evictionHard": {"memory.available": "100Mi"}
            }
            """
        let maxPods = try resolver([Self.al2: json]).resolveMaxPods(PodnetConfig())
        #expect(maxPods.value == 17)
        #expect(maxPods.source == "kubelet config \(Self.al2)")
        #expect(maxPods.path == Self.al2)
    }

    @Test("maxPods from a kubeadm YAML kubelet config")
    func yamlKubeletConfig() throws {
        let yaml =
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 250\ncgroupDriver: systemd\n"
        let maxPods = try resolver([Self.kubeadm: yaml]).resolveMaxPods(PodnetConfig())
        #expect(maxPods.value == 250)
        #expect(maxPods.source == "kubelet config \(Self.kubeadm)")
    }

    @Test("a kubelet config without maxPods means kubelet's default 110")
    func absentMeans110() throws {
        let maxPods = try resolver([Self.al2023: #"{"kind": "KubeletConfiguration", "clusterDomain": "cluster.local"}"#]
        )
        .resolveMaxPods(PodnetConfig())
        #expect(maxPods.value == 110)
        #expect(maxPods.source.hasPrefix("default 110"))
        #expect(maxPods.path == Self.al2023)
    }

    @Test("the first existing of the three paths wins")
    func pathOrder() throws {
        let maxPods = try resolver([Self.al2023: #"{"maxPods": 29}"#, Self.kubeadm: "maxPods: 110\n"])
            .resolveMaxPods(PodnetConfig())
        #expect(maxPods.value == 29)
    }

    @Test("no kubelet config at all: maxPods unknown, and the source says where podnetd looked")
    func noKubeletConfig() throws {
        let maxPods = try resolver([:]).resolveMaxPods(PodnetConfig())
        #expect(maxPods.value == nil)
        #expect(maxPods.source.contains(Self.al2) && maxPods.source.contains(Self.kubeadm))
    }

    @Test("a broken auto-discovered kubelet config leaves maxPods unknown; an explicit one is an error")
    func brokenKubeletConfig() throws {
        let broken = try resolver([Self.al2: #"{"maxPods": "many"}"#]).resolveMaxPods(PodnetConfig())
        #expect(broken.value == nil)
        #expect(broken.source.contains("maxPods: expected an integer"))
        var config = PodnetConfig()
        config.kubeletConfigPath = "/srv/kubelet.yaml"
        #expect(throws: ConfigError.self) { try resolver([:]).resolveMaxPods(config) }
        do {
            _ = try resolver(["/srv/kubelet.yaml": "maxPods: [1\n"]).resolveMaxPods(config)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .malformedYAML)
            #expect(error.file == "/srv/kubelet.yaml")
        }
        #expect(try resolver(["/srv/kubelet.yaml": "maxPods: 58\n"]).resolveMaxPods(config).value == 58)
    }

    @Test("maxPods given in the config wins over kubelet's")
    func configuredMaxPods() throws {
        var config = PodnetConfig()
        config.maxPods = .fixed(40)
        let maxPods = try resolver([Self.al2: #"{"maxPods": 17}"#]).resolveMaxPods(config)
        #expect(maxPods.value == 40)
        #expect(maxPods.source == "config")
        #expect(maxPods.path == Self.al2)
    }

    @Test("instanceType auto: a known DMI product name is used, in the table's spelling")
    func dmiKnown() {
        let type = resolver([Self.dmi: "t3a.medium\n"]).resolveInstanceType(.auto)
        #expect(type.name == "t3a.medium")
        #expect(type.source.contains("DMI"))
    }

    @Test("instanceType auto: an unknown DMI product name (Xen, other machines) leaves the type unknown")
    func dmiUnknown() {
        let xen = resolver([Self.dmi: "HVM domU\n"]).resolveInstanceType(.auto)
        #expect(xen.name == nil)
        #expect(xen.source.contains("\"HVM domU\""))
        let none = resolver([:]).resolveInstanceType(.auto)
        #expect(none.name == nil)
        #expect(none.source.hasPrefix("unknown"))
        #expect(resolver([:]).resolveInstanceType(.named("m5.large")) == ("m5.large", "config"))
    }

    @Test("resolve carries every setting into the expectations")
    func resolve() throws {
        var config = PodnetConfig()
        config.podCIDRs = [IPPrefix("192.168.0.0/16")!]
        config.awsVpcCni.prefixDelegation = true
        config.thresholds.podCapacityWarningRatio = 0.8
        let expectations = try resolver([Self.al2: #"{"maxPods": 17}"#, Self.dmi: "t3a.medium"], vCPUs: 2).resolve(
            config)
        #expect(expectations.maxPods == 17)
        #expect(expectations.kubeletConfigPath == Self.al2)
        #expect(expectations.instanceType == "t3a.medium")
        #expect(expectations.vCPUs == 2)
        #expect(expectations.podCIDRs == config.podCIDRs)
        #expect(expectations.awsVpcCni.prefixDelegation)
        #expect(expectations.thresholds.podCapacityWarningRatio == 0.8)
        // And the seed story: this node with the VPC CNI at maxPods 20 is over its ENI capacity.
        var over = expectations
        over.maxPods = 20
        over.awsVpcCni.prefixDelegation = false
        let report = Analyzer.analyze(snapshot: try AnalysisFixtures.vpcCNI(), expectations: over, checkedAt: "t")
        #expect(report.findings(.maxPodsExceedsIPCapacity).count == 1)
    }

    @Test("the system vCPU count is the kernel's processor count in /proc/cpuinfo")
    func systemVCPUs() throws {
        // An independent source: the kernel's own listing (one "processor : N" stanza per online CPU;
        // this machine has no offline ones, where the configured count would be larger).
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let processors = cpuinfo.split(separator: "\n").count {
            $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) == "processor"
        }
        try #require(processors >= 1, "/proc/cpuinfo lists processors")
        #expect(ExpectationsResolver.systemVCPUs() == processors)
    }
}
