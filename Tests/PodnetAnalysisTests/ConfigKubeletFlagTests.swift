import Foundation
import PodnetAnalysis
import PodnetConfig
import Testing

/// kubelet's `--max-pods` flag, read where each node layout keeps it, in a temporary directory laid
/// out like the node (the unit and environment files as the EKS AMIs and kubeadm's packages write
/// them, with their absolute paths moved under the directory).
@Suite("Kubelet --max-pods flag")
struct ConfigKubeletFlagTests {
    /// A node's file system under a temporary directory; deleted by `remove()`.
    struct Node {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-kubelet-\(UUID())").path

        /// `path` (absolute on the node) under the root.
        func path(_ path: String) -> String { root + path }

        /// Writes `text` to the node's `path`; `{ROOT}` in it becomes the root (for paths a unit names).
        func write(_ path: String, _ text: String) throws {
            let full = self.path(path)
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.replacingOccurrences(of: "{ROOT}", with: root).write(
                toFile: full, atomically: true, encoding: .utf8)
        }

        /// A directory where a file is expected: it exists but cannot be read (root reads any file,
        /// so permissions cannot make one unreadable for these tests).
        func makeUnreadable(_ path: String) throws {
            try FileManager.default.createDirectory(atPath: self.path(path), withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }

        var resolver: ExpectationsResolver {
            ExpectationsResolver(
                files: LocalFileSystem(), vCPUs: { 2 },
                kubeletUnitDirectories: ["/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system"].map(
                    path),
                systemdManagerConfigPaths: [path("/etc/systemd/system.conf")],
                systemdManagerConfigDirectories: [path("/etc/systemd/system.conf.d")])
        }

        /// maxPods with kubelet's config file at `kubeletConfig` (node path).
        func maxPods(kubeletConfig: String) throws -> ExpectationsResolver.MaxPods {
            var config = PodnetConfig()
            config.kubeletConfigPath = path(kubeletConfig)
            return try resolver.resolveMaxPods(config)
        }
    }

    static let al2Config = "/etc/kubernetes/kubelet/kubelet-config.json"
    static let kubeadmConfig = "/var/lib/kubelet/config.yaml"

    /// AL2's kubelet.service (amazon-eks-ami templates/al2/runtime/kubelet-containerd.service).
    static let al2Unit = """
        [Unit]
        Description=Kubernetes Kubelet
        After=containerd.service sandbox-image.service

        [Service]
        Slice=runtime.slice
        ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5
        ExecStart=/usr/bin/kubelet \\
            --config /etc/kubernetes/kubelet/kubelet-config.json \\
            --kubeconfig /var/lib/kubelet/kubeconfig \\
            --container-runtime-endpoint unix:///run/containerd/containerd.sock \\
            $KUBELET_ARGS \\
            $KUBELET_EXTRA_ARGS
        Restart=on-failure
        """

    /// What bootstrap.sh writes: 10-kubelet-args.conf always, 30-kubelet-extra-args.conf with --kubelet-extra-args.
    func al2Node(extraArgs: String?) throws -> Node {
        let node = Node()
        try node.write("/etc/systemd/system/kubelet.service", Self.al2Unit)
        try node.write(Self.al2Config, #"{"kind": "KubeletConfiguration", "maxPods": 29}"#)
        try node.write(
            "/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf",
            "[Service]\nEnvironment='KUBELET_ARGS=--node-ip=10.0.0.10 --pod-infra-container-image=602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5 --v=2'\n"
        )
        if let extraArgs {
            try node.write(
                "/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf",
                "[Service]\nEnvironment='KUBELET_EXTRA_ARGS=\(extraArgs)'\n")
        }
        return node
    }

    @Test("EKS AL2: --max-pods in KUBELET_EXTRA_ARGS (30-kubelet-extra-args.conf) wins over kubelet-config.json")
    func al2ExtraArgs() throws {
        let node = try al2Node(extraArgs: "--node-labels=team=a --max-pods=58")
        defer { node.remove() }
        let maxPods = try node.maxPods(kubeletConfig: Self.al2Config)
        #expect(maxPods.value == 58)
        #expect(maxPods.mayBeOverridden == false)
        #expect(
            maxPods.source.hasPrefix(
                "kubelet flag --max-pods=58 ($KUBELET_EXTRA_ARGS from \(node.path("/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf")))"
            ), "\(maxPods.source)")
        #expect(
            maxPods.source.hasSuffix("overriding maxPods 29 of kubelet config \(node.path(Self.al2Config))"),
            "\(maxPods.source)")
    }

    @Test("EKS AL2 without --kubelet-extra-args: no flag, kubelet-config.json's maxPods, confirmed")
    func al2WithoutExtraArgs() throws {
        let node = try al2Node(extraArgs: nil)
        defer { node.remove() }
        let maxPods = try node.maxPods(kubeletConfig: Self.al2Config)
        #expect(maxPods.value == 29)
        #expect(maxPods.mayBeOverridden == false)
        #expect(maxPods.source == "kubelet config \(node.path(Self.al2Config))")
    }

    @Test("EKS AL2: an unreadable kubelet drop-in makes maxPods unconfirmed, naming the drop-in")
    func al2UnreadableDropIn() throws {
        let node = try al2Node(extraArgs: nil)
        defer { node.remove() }
        try node.makeUnreadable("/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf")
        let maxPods = try node.maxPods(kubeletConfig: Self.al2Config)
        #expect(maxPods.value == 29)
        #expect(maxPods.mayBeOverridden)
        #expect(
            maxPods.source.contains(
                "kubelet drop-in \(node.path("/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf")) cannot be read"
            ), "\(maxPods.source)")
    }

    /// AL2023: kubelet.service (templates/al2023/runtime/rootfs/etc/systemd/system/kubelet.service)
    /// and nodeadm's environment file: its own flags, then NodeConfig's spec.kubelet.flags.
    func al2023Node(environment: String?) throws -> Node {
        let node = Node()
        try node.write(
            "/etc/systemd/system/kubelet.service",
            """
            [Unit]
            Description=Kubernetes Kubelet
            [Service]
            Slice=runtime.slice
            EnvironmentFile={ROOT}/etc/eks/kubelet/environment
            ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5
            ExecStart=/usr/bin/kubelet $NODEADM_KUBELET_ARGS
            """)
        try node.write("/etc/kubernetes/kubelet/config.json", #"{"kind": "KubeletConfiguration", "maxPods": 17}"#)
        if let environment { try node.write("/etc/eks/kubelet/environment", environment) }
        return node
    }

    @Test("EKS AL2023: spec.kubelet.flags' --max-pods in nodeadm's /etc/eks/kubelet/environment wins (the last one)")
    func al2023NodeConfigFlags() throws {
        let node = try al2023Node(
            environment:
                "NODEADM_KUBELET_ARGS=--node-ip=10.0.0.10 --hostname-override=i-1234567890abcdef0 --max-pods=110 --max-pods=20\n"
        )
        defer { node.remove() }
        let maxPods = try node.maxPods(kubeletConfig: "/etc/kubernetes/kubelet/config.json")
        #expect(maxPods.value == 20)
        #expect(
            maxPods.source.hasPrefix(
                "kubelet flag --max-pods=20 ($NODEADM_KUBELET_ARGS from \(node.path("/etc/eks/kubelet/environment")))"),
            "\(maxPods.source)")
    }

    @Test("EKS AL2023: an unreadable /etc/eks/kubelet/environment: the config's value, and maxPods may be overridden")
    func al2023UnreadableEnvironment() throws {
        let node = try al2023Node(environment: nil)
        defer { node.remove() }
        try node.makeUnreadable("/etc/eks/kubelet/environment")
        let maxPods = try node.maxPods(kubeletConfig: "/etc/kubernetes/kubelet/config.json")
        #expect(maxPods.value == 17)
        #expect(maxPods.mayBeOverridden)
        #expect(maxPods.source.contains("maxPods may be overridden by a --max-pods flag"), "\(maxPods.source)")
        #expect(maxPods.source.contains("$NODEADM_KUBELET_ARGS"), "\(maxPods.source)")
        #expect(maxPods.source.contains(node.path("/etc/eks/kubelet/environment")), "\(maxPods.source)")
    }

    /// kubeadm's packages: a plain kubelet.service in /usr/lib and the 10-kubeadm.conf drop-in,
    /// reading kubeadm-flags.env and /etc/default/kubelet (deb) or /etc/sysconfig/kubelet (rpm).
    func kubeadmNode(userFile: String, userText: String?) throws -> Node {
        let node = Node()
        try node.write(
            "/usr/lib/systemd/system/kubelet.service",
            "[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n"
        )
        try node.write(
            "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
            """
            # Note: This dropin only works with kubeadm and kubelet v1.11+
            [Service]
            Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
            Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
            EnvironmentFile=-{ROOT}/var/lib/kubelet/kubeadm-flags.env
            EnvironmentFile=-{ROOT}\(userFile)
            ExecStart=
            ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
            """)
        try node.write(
            "/var/lib/kubelet/kubeadm-flags.env",
            #"KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9""#
                + "\n")
        try node.write(Self.kubeadmConfig, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")
        if let userText { try node.write(userFile, userText) }
        return node
    }

    @Test(
        "kubeadm (deb): --max-pods N in /etc/default/kubelet's KUBELET_EXTRA_ARGS wins over config.yaml's default 110")
    func kubeadmDefaultKubelet() throws {
        let node = try kubeadmNode(
            userFile: "/etc/default/kubelet", userText: "KUBELET_EXTRA_ARGS=--max-pods 150 --v=2\n")
        defer { node.remove() }
        let maxPods = try node.maxPods(kubeletConfig: Self.kubeadmConfig)
        #expect(maxPods.value == 150)
        #expect(
            maxPods.source.hasPrefix(
                "kubelet flag --max-pods=150 ($KUBELET_EXTRA_ARGS from \(node.path("/etc/default/kubelet")))"),
            "\(maxPods.source)")
        #expect(maxPods.source.contains("overriding maxPods 110 of default 110"), "\(maxPods.source)")
    }

    @Test(
        "kubeadm (rpm): /etc/sysconfig/kubelet; absent optional files and no flag leave config.yaml's value, confirmed")
    func kubeadmSysconfig() throws {
        let withFlag = try kubeadmNode(
            userFile: "/etc/sysconfig/kubelet", userText: "KUBELET_EXTRA_ARGS=\"--max-pods=64\"\n")
        defer { withFlag.remove() }
        #expect(try withFlag.maxPods(kubeletConfig: Self.kubeadmConfig).value == 64)

        let without = try kubeadmNode(userFile: "/etc/sysconfig/kubelet", userText: nil)
        defer { without.remove() }
        try FileManager.default.removeItem(atPath: without.path("/var/lib/kubelet/kubeadm-flags.env"))
        let maxPods = try without.maxPods(kubeletConfig: Self.kubeadmConfig)
        #expect(maxPods.value == 110)
        #expect(maxPods.mayBeOverridden == false)
        #expect(!maxPods.source.contains("--max-pods"), "\(maxPods.source)")
    }

    @Test("kubeadm: an unreadable kubeadm-flags.env makes maxPods unconfirmed; a flag in the unit itself is read")
    func kubeadmUnreadableAndInlineFlag() throws {
        let node = try kubeadmNode(userFile: "/etc/default/kubelet", userText: nil)
        defer { node.remove() }
        try FileManager.default.removeItem(atPath: node.path("/var/lib/kubelet/kubeadm-flags.env"))
        try node.makeUnreadable("/var/lib/kubelet/kubeadm-flags.env")
        let unconfirmed = try node.maxPods(kubeletConfig: Self.kubeadmConfig)
        #expect(unconfirmed.mayBeOverridden)
        #expect(unconfirmed.value == 110)

        // A drop-in of the same name in /etc masks /usr/lib's; the flag written into ExecStart counts.
        try node.write(
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --max-pods=42\n")
        let inline = try node.maxPods(kubeletConfig: Self.kubeadmConfig)
        #expect(inline.value == 42)
        #expect(
            inline.source.hasPrefix(
                "kubelet flag --max-pods=42 (ExecStart= in \(node.path("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf")))"
            ), "\(inline.source)")

        // A flag beyond what podnetd accepts anywhere (1–100000) is not taken as maxPods.
        try node.write(
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --max-pods=9223372036854775807\n")
        let absurd = try node.maxPods(kubeletConfig: Self.kubeadmConfig)
        #expect(absurd.mayBeOverridden)
        #expect(absurd.value == 110, "\(absurd)")
        #expect(absurd.source.contains("is not an integer 1–100000"), "\(absurd.source)")
    }

    @Test("nodeadm's spec.environment in system.conf.d (DefaultEnvironment=) feeds a variable the unit uses")
    func defaultEnvironment() throws {
        let node = try al2Node(extraArgs: nil)
        defer { node.remove() }
        try node.write(
            "/etc/systemd/system.conf.d/environment.conf",
            "[Manager]\nDefaultEnvironment=\"KUBELET_EXTRA_ARGS=--max-pods=33\"\n")
        #expect(try node.maxPods(kubeletConfig: Self.al2Config).value == 33)
    }

    @Test("a --max-pods that is not a number makes maxPods unconfirmed, naming the value")
    func malformedFlag() throws {
        let node = try al2Node(extraArgs: "--max-pods=lots")
        defer { node.remove() }
        let maxPods = try node.maxPods(kubeletConfig: Self.al2Config)
        #expect(maxPods.mayBeOverridden)
        #expect(maxPods.source.contains("\"lots\""), "\(maxPods.source)")
    }

    @Test("maxPods given in podnetd's config wins over any flag; no kubelet unit keeps today's caveat")
    func configWinsAndNoUnit() throws {
        let node = try al2Node(extraArgs: "--max-pods=58")
        defer { node.remove() }
        var config = PodnetConfig()
        config.maxPods = .fixed(40)
        #expect(try node.resolver.resolveMaxPods(config).value == 40)

        let bare = Node()
        defer { bare.remove() }
        try bare.write(Self.al2Config, #"{"maxPods": 29}"#)
        try bare.write(Self.al2Config + ".d/40-nodeadm.conf", #"{"maxPods": 58}"#)
        let maxPods = try bare.maxPods(kubeletConfig: Self.al2Config)
        #expect(maxPods.value == 58)
        #expect(
            maxPods.source.hasSuffix("(kubelet's --max-pods flag, if used, is not visible to podnetd)"),
            "\(maxPods.source)")
    }

    @Test("max-pods-exceeds-ip-capacity on an unconfirmed maxPods is a warning that says how to confirm it")
    func unconfirmedMaxPodsIsNotCritical() throws {
        var expectations = AnalysisFixtures.vpcCNIExpectations
        expectations.maxPods = 20
        let confirmed = AnalysisFixtures.analyze(try AnalysisFixtures.vpcCNI(), expectations)
        #expect(confirmed.findings(.maxPodsExceedsIPCapacity).map(\.severity) == [.critical])

        expectations.maxPodsMayBeOverridden = true
        let report = AnalysisFixtures.analyze(try AnalysisFixtures.vpcCNI(), expectations)
        let finding = try #require(report.findings(.maxPodsExceedsIPCapacity).first)
        #expect(finding.severity == .warning)
        #expect(finding.summary.hasSuffix("(maxPods may be overridden)"))
        #expect(finding.detail.contains("status.capacity.pods"))
    }
}
