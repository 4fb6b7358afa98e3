import Foundation
import PodnetTestSupport
import Testing

/// `podnetd check` in namespaces for the fault classes beyond the CNI's own objects: reverse-path
/// filtering per ENI, the VXLAN device's binding, calico.vxlanMode, custom networking and neighbour
/// table pressure — each broken (exit 1, the check and its object) and whole (exit 0).
@Suite("check: node faults in namespaces", .serialized)
struct NodeFaultScenarioTests {
    static let calicoConfig = CalicoNodeScenario().podnetdConfig

    static func vpcConfig(maxPods: Int, customNetworking: Bool = false) -> String {
        """
        cni: aws-vpc-cni
        serviceCIDR: 10.100.0.0/16
        maxPods: \(maxPods)
        instanceType: t3a.medium
        awsVpcCni:
          customNetworking: \(customNetworking)
        """
    }

    /// The Calico test config with `calico.vxlanMode` set.
    static func calicoConfig(vxlanMode: String) -> String {
        calicoConfig.replacingOccurrences(of: "calico:\n", with: "calico:\n  vxlanMode: \(vxlanMode)\n")
    }

    func checkCalico(
        config: String = Self.calicoConfig, scenario: CalicoNodeScenario = CalicoNodeScenario(),
        _ breakIt: (CalicoNode) throws -> Void = { _ in }
    ) throws -> CheckRun {
        try requireRootAndIPRoute2()
        return try withNetworkNamespace(purpose: "fault-check") { namespace in
            let node = try scenario.build(in: namespace)
            defer { node.tearDown() }
            try breakIt(node)
            return try CheckRun.run(config: config, in: namespace)
        }
    }

    func checkVPC(
        config: String, customNetworking: Bool = false, _ breakIt: (VPCCNINode) throws -> Void = { _ in }
    ) throws -> CheckRun {
        try requireRootAndIPRoute2()
        return try withNetworkNamespace(purpose: "fault-vpc") { namespace in
            let node = try VPCCNINode(in: namespace, customNetworking: customNetworking)
            defer { node.tearDown() }
            try breakIt(node)
            return try CheckRun.run(config: config, in: namespace)
        }
    }

    /// The remediation of the first finding of `check` in a JSON report.
    static func remediation(of check: String, in run: CheckRun) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let findings = object?["findings"] as? [[String: Any]] ?? []
        return try #require(findings.first { $0["check"] as? String == check }?["remediation"] as? String)
    }

    // MARK: rp-filter-strict per ENI

    /// A sender outside the VPC (TEST-NET-3), for the kernel's own reverse-path verdict.
    static let outsideSender = "203.0.113.9"

    /// Whether the kernel accepts a packet from `sender` to `pod` arriving on `device`: `ip route get
    /// … iif` runs the input route lookup with its reverse-path check, and fails where rp_filter drops.
    static func kernelAccepts(_ namespace: NetworkNamespace, to pod: String, from sender: String, on device: String)
        throws -> Bool
    {
        try namespace.run(["ip", "route", "get", pod, "from", sender, "iif", device]).succeeded
    }

    /// Replaces the secondary-ENI pod's `from POD lookup 2` rule with the CIDR-bound one older VPC
    /// CNI versions wrote (`from POD to 10.0.0.0/16 lookup 2`).
    static func bindPodRuleToVPC(_ node: VPCCNINode) throws {
        let pod = VPCCNINode.secondaryPodIP
        try node.namespace.ip("rule", "del", "from", pod, "lookup", "2", "priority", "1536")
        try node.namespace.ip("rule", "add", "from", pod, "to", "10.0.0.0/16", "lookup", "2", "priority", "1536")
    }

    @Test(
        "rp-filter-strict: all and eth1 strict with the pod's `from POD lookup 2` rule is healthy, and the kernel delivers to eth1's pod from outside the VPC; a strict primary ENI is named"
    )
    func strictSecondaryENIHarmless() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "fault-rpf") { namespace in
            let node = try VPCCNINode(in: namespace)
            defer { node.tearDown() }
            // As on EKS AL2 nodes: all and default 1, the primary set to 2 by the VPC CNI, eth1 left at 1.
            try namespace.sysctl("net.ipv4.conf.all.rp_filter", "1")
            try namespace.sysctl("net/ipv4/conf/eth1/rp_filter", "1")
            #expect(try Self.kernelAccepts(namespace, to: VPCCNINode.secondaryPodIP, from: Self.outsideSender, on: "eth1"))
            let config = Self.vpcConfig(maxPods: 17)
            let healthy = try CheckRun.run(config: config, in: namespace)
            #expect(healthy.problems == [], "\(healthy.problems)\n\(healthy.stderr)")
            #expect(healthy.exitCode == 0)

            // The primary: NodePort traffic for eth1's pod arrives on eth0, its way back is eth1.
            try namespace.sysctl("net/ipv4/conf/eth0/rp_filter", "1")
            #expect(!(try Self.kernelAccepts(namespace, to: VPCCNINode.secondaryPodIP, from: Self.outsideSender, on: "eth0")))
            let primary = try CheckRun.run(config: config, in: namespace)
            #expect(primary.has("rp-filter-strict", object: "eth0", severity: "warning"), "\(primary.findings)")
            #expect(!primary.has("rp-filter-strict", object: "eth1"), "\(primary.findings)")
            #expect(primary.exitCode == 1)
        }
    }

    @Test(
        "rp-filter-strict: all and eth1 strict with a CIDR-bound pod rule drops outside senders (kernel) and is named; the remediation's first command, run in the namespace, fixes it"
    )
    func firstCommandFixesEffectiveValue() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "fault-rpf") { namespace in
            let node = try VPCCNINode(in: namespace)
            defer { node.tearDown() }
            try Self.bindPodRuleToVPC(node)
            try namespace.sysctl("net.ipv4.conf.all.rp_filter", "1")
            try namespace.sysctl("net/ipv4/conf/eth1/rp_filter", "1")
            #expect(!(try Self.kernelAccepts(namespace, to: VPCCNINode.secondaryPodIP, from: Self.outsideSender, on: "eth1")))
            let config = Self.vpcConfig(maxPods: 17)
            let broken = try CheckRun.run(config: config, in: namespace)
            #expect(broken.has("rp-filter-strict", object: "eth1", severity: "warning"), "\(broken.findings)")
            #expect(!broken.has("rp-filter-strict", object: "eth0"), "eth0 is loose (2): \(broken.findings)")
            #expect(broken.exitCode == 1)
            let remediation = try Self.remediation(of: "rp-filter-strict", in: broken)
            let first = try #require(remediation.components(separatedBy: " — ").first)
            let words = first.split(separator: " ").map(String.init)
            try #require(words.count == 3 && words[0] == "sysctl" && words[1] == "-w", "first command: \(first)")
            try namespace.exec(words)
            #expect(try Self.kernelAccepts(namespace, to: VPCCNINode.secondaryPodIP, from: Self.outsideSender, on: "eth1"))
            let fixed = try CheckRun.run(config: config, in: namespace)
            #expect(!fixed.has("rp-filter-strict"), "after `\(first)`: \(fixed.findings)")
            #expect(fixed.exitCode == 0, "\(fixed.findings)")
        }
    }

    // MARK: vxlan-wrong-interface

    @Test("vxlan-wrong-interface: vxlan.calico on eth1 (172.31.0.10) while the remote node 10.0.0.20 is reached via eth0")
    func vxlanOnWrongNIC() throws {
        let healthy = try checkCalico(scenario: .with { $0.secondNIC = "172.31.0.10/24" })
        #expect(healthy.problems == [], "\(healthy.problems)\n\(healthy.stderr)")
        #expect(healthy.exitCode == 0)
        let run = try checkCalico(
            scenario: .with {
                $0.secondNIC = "172.31.0.10/24"
                $0.vxlanUnderlay = "eth1"
                $0.vxlanLocal = "172.31.0.10"
            })
        #expect(run.has("vxlan-wrong-interface", object: "vxlan.calico", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test(
        "vxlan-wrong-interface: vxlan.calico on eth1 with per-NIC policy routing (from 172.31.0.10 lookup 100 via eth1) is healthy; without the rule it is named"
    )
    func vxlanOnSecondNICWithPolicyRouting() throws {
        let scenario = CalicoNodeScenario.with {
            $0.secondNIC = "172.31.0.10/24"
            $0.vxlanUnderlay = "eth1"
            $0.vxlanLocal = "172.31.0.10"
        }
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "fault-pbr") { namespace in
            let node = try scenario.build(in: namespace)
            defer { node.tearDown() }
            // As amazon-ec2-net-utils sets up a secondary NIC: its own table, chosen by its address.
            try namespace.ip("route", "add", "default", "via", "172.31.0.1", "dev", "eth1", "table", "100")
            try namespace.ip("rule", "add", "from", "172.31.0.10", "lookup", "100", "priority", "10001")
            // The kernel sends the outer packets (from the device's local address) through eth1.
            let kernel = try namespace.ip("route", "get", "10.0.0.20", "from", "172.31.0.10")
            #expect(kernel.contains("dev eth1"), "\(kernel)")
            let healthy = try CheckRun.run(config: Self.calicoConfig, in: namespace)
            #expect(healthy.problems == [], "\(healthy.problems)\n\(healthy.stderr)")
            #expect(healthy.exitCode == 0)

            try namespace.ip("rule", "del", "priority", "10001")
            let run = try CheckRun.run(config: Self.calicoConfig, in: namespace)
            #expect(run.has("vxlan-wrong-interface", object: "vxlan.calico", severity: "critical"), "\(run.findings)")
            #expect(run.exitCode == 1)
        }
    }

    // MARK: vxlan-mode-mismatch, crosssubnet-source-dest-check

    /// Routes 192.168.36.0/26 directly `via GATEWAY dev eth0` (Felix's protocol), as CrossSubnet does.
    static func directRoute(via gateway: String) -> (CalicoNode) throws -> Void {
        { node in
            try node.namespace.ip("route", "add", "192.168.36.0/26", "via", gateway, "dev", "eth0", "onlink", "proto", "80")
        }
    }

    @Test("vxlan-mode-mismatch under Always: a block routed directly; every block through vxlan.calico is healthy")
    func alwaysMode() throws {
        let healthy = try checkCalico(config: Self.calicoConfig(vxlanMode: "Always"))
        #expect(healthy.problems == [], "\(healthy.problems)\n\(healthy.stderr)")
        #expect(healthy.exitCode == 0)
        let run = try checkCalico(config: Self.calicoConfig(vxlanMode: "Always"), Self.directRoute(via: "10.0.0.21"))
        #expect(run.has("vxlan-mode-mismatch", object: "192.168.36.0/26", severity: "warning"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("vxlan-mode-mismatch under CrossSubnet: direct to a node in eth0's subnet is right (info on EC2), outside it wrong")
    func crossSubnetMode() throws {
        let config = Self.calicoConfig(vxlanMode: "CrossSubnet")
        let healthy = try checkCalico(config: config, Self.directRoute(via: "10.0.0.21"))
        #expect(healthy.problems == [], "\(healthy.problems)\n\(healthy.stderr)")
        #expect(healthy.has("crosssubnet-source-dest-check", object: "eth0", severity: "info"), "\(healthy.findings)")
        #expect(healthy.exitCode == 0)
        let run = try checkCalico(config: config, Self.directRoute(via: "10.9.0.21"))
        #expect(run.has("vxlan-mode-mismatch", object: "192.168.36.0/26", severity: "warning"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("calico.vxlanMode: a value other than Always or CrossSubnet exits 2 naming the key and line")
    func badVXLANMode() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "fault-cfg") { namespace in
            let run = try CheckRun.run(config: "cni: calico-vxlan\ncalico:\n  vxlanMode: Never\n", in: namespace)
            #expect(run.exitCode == 2)
            #expect(run.stderr.contains(":3") && run.stderr.contains("calico.vxlanMode"), "stderr: \(run.stderr)")
            #expect(run.stderr.contains("Always, CrossSubnet"), "stderr: \(run.stderr)")
        }
    }

    // MARK: custom-networking-mismatch

    @Test("custom-networking-mismatch: pods only on eth1's 100.64.1.0/24, not configured; capacity 12 < maxPods 17")
    func customNetworkingNotConfigured() throws {
        let run = try checkVPC(config: Self.vpcConfig(maxPods: 17), customNetworking: true)
        #expect(run.has("custom-networking-mismatch", object: "awsVpcCni.customNetworking", severity: "warning"), "\(run.findings)")
        #expect(run.has("max-pods-exceeds-ip-capacity", object: "maxPods", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
        let healthy = try checkVPC(config: Self.vpcConfig(maxPods: 12, customNetworking: true), customNetworking: true)
        #expect(healthy.problems == [], "\(healthy.problems)\n\(healthy.stderr)")
        #expect(healthy.exitCode == 0)
    }

    // MARK: vxlan-checksum-offload

    /// This kernel is 5.7 or newer, so the check cannot fire live: the node's dump (offload read for real)
    /// is checked offline with its nodeFacts.kernelRelease replaced by a 5.4 one — the analysis's only other input.
    @Test("vxlan-checksum-offload: a dump with tx checksum on, as if from kernel 5.4; off after ethtool -K tx off")
    func checksumOffloadThroughTheDump() throws {
        try requireRootAndIPRoute2()
        guard resolveExecutable("ethtool") != nil else {
            throw MissingRequirement("ethtool is not installed: run Scripts/deps.sh as root")
        }
        let binary = try PodnetdBinary.locate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podnetd-offload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configFile = directory.appendingPathComponent("podnetd.yaml")
        try Self.calicoConfig.write(to: configFile, atomically: true, encoding: .utf8)

        /// Dumps the node, sets kernelRelease to 5.4.0-1103-aws, and checks the file offline.
        func checkAsOldKernel(_ node: CalicoNode, name: String) throws -> (CheckRun, String) {
            let dump = try binary.run(["dump"], in: node.namespace)
            try #require(dump.exitCode == 0, "\(dump.stderr)")
            var document = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
            var facts = try #require(document["nodeFacts"] as? [String: Any], "the dump carries node facts")
            let release = try #require(facts["kernelRelease"] as? String, "the dump carries the kernel release")
            facts["kernelRelease"] = "5.4.0-1103-aws"
            document["nodeFacts"] = facts
            let file = directory.appendingPathComponent(name)
            try JSONSerialization.data(withJSONObject: document).write(to: file)
            let result = try binary.run(["check", "--config", configFile.path, "--snapshot", file.path, "--format", "json"])
            let run = CheckRun(
                exitCode: result.exitCode, findings: try CheckRun.findings(inReport: result.stdout), stdout: result.stdout,
                stderr: result.stderr)
            return (run, release)
        }
        try withCalicoNode { node in
            let live = try CheckRun.run(config: Self.calicoConfig, in: node.namespace)
            #expect(!live.has("vxlan-checksum-offload"), "kernel ≥ 5.7 here: \(live.findings)")
            let (broken, release) = try checkAsOldKernel(node, name: "offload-on.json")
            #expect(broken.has("vxlan-checksum-offload", object: "vxlan.calico", severity: "warning"), "\(broken.findings)")
            #expect(broken.exitCode == 1, "\(broken.stderr)")
            #expect(!release.hasPrefix("5.4."))
            try node.namespace.exec(["ethtool", "-K", "vxlan.calico", "tx", "off"])
            let (fixed, _) = try checkAsOldKernel(node, name: "offload-off.json")
            #expect(!fixed.has("vxlan-checksum-offload"), "\(fixed.findings)")
            #expect(fixed.exitCode == 0, "\(fixed.findings)")
        }
    }

    // MARK: neighbour-table-pressure

    /// `thresh3` of the kernel's ARP table, as iproute2 reports it.
    static func arpThresh3(in namespace: NetworkNamespace) throws -> Int {
        let words = try namespace.ip("ntable", "show", "name", "arp_cache").split(whereSeparator: \.isWhitespace)
        let position = try #require(words.firstIndex(of: "thresh3"))
        return try #require(position + 1 < words.count ? Int(words[position + 1]) : nil)
    }

    /// The kernel's ARP table is one for all namespaces and its gc_thresh3 exists only in the initial
    /// namespace (no /proc/sys/net/ipv4/neigh/default/gc_thresh3 in others), so it cannot be lowered
    /// here: the scenario adds just over 90 % of gc_thresh3 STALE entries in its own namespace, checks,
    /// and flushes them at once (deleting the namespace removes them too).
    @Test("neighbour-table-pressure: 90 % of gc_thresh3 in non-permanent entries on the node; quiet before")
    func neighbourTablePressure() throws {
        try requireRootAndIPRoute2()
        try withCalicoNode { node in
            let namespace = node.namespace
            let quiet = try CheckRun.run(config: Self.calicoConfig, in: namespace)
            #expect(!quiet.has("neighbour-table-pressure"), "\(quiet.findings)")
            let thresh3 = try Self.arpThresh3(in: namespace)
            let dynamic = try namespace.ip("-4", "neigh", "show").split(separator: "\n").filter { !$0.contains("PERMANENT") }
            let needed = (thresh3 * 9 + 9) / 10 + 2 - dynamic.count
            try #require(needed > 0 && needed < 60_000, "thresh3 \(thresh3), \(dynamic.count) entries")
            let commands = (0..<needed).map { number in
                let address = "10.\(128 + number / 65536).\(number / 256 % 256).\(number % 256)"
                let mac = String(format: "02:aa:00:%02x:%02x:%02x", number / 65536, number / 256 % 256, number % 256)
                return "neigh add \(address) lladdr \(mac) dev eth0 nud stale"
            }
            try namespace.ipBatch(commands)
            defer { _ = try? namespace.ip("neigh", "flush", "dev", "eth0", "nud", "stale") }
            let run = try CheckRun.run(config: Self.calicoConfig, in: namespace)
            #expect(
                run.has("neighbour-table-pressure", object: "net.ipv4.neigh.default.gc_thresh3", severity: "warning"),
                "\(run.findings)")
            #expect(run.exitCode == 1)
        }
    }
}
