import Foundation
import PodnetTestSupport
import Testing

/// The cluster's view under the shipped unit, in a real systemd (252, nspawn, IP firewall active)
/// on a namespace built like a Calico node, with the API stand-in on the node's own underlay
/// address (not loopback) and a kubeconfig shaped as calico-node writes it (0600 root, CA and token
/// inline). As shipped, the cluster finding names the sandbox (the unreadable kubeconfig, then with
/// the credential alone the IP firewall); with podnetd-cluster-api.conf the view is current; a
/// rewritten kubeconfig (a refreshed token) restarts podnetd through podnetd-kubeconfig.path.
@Suite("the cluster's view under the systemd unit", .serialized)
struct SystemdClusterAPITests {
    static let localName = "node-local"
    static let calicoKubeconfigPath = "/etc/cni/net.d/calico-kubeconfig"
    static let dropIns = "/etc/systemd/system/podnetd.service.d"
    /// podnetd-kubeconfig.service's wait before it restarts podnetd, in this test.
    static let restartDelaySeconds = 20

    @Test("shipped unit: the finding names the unreadable kubeconfig, then the IP firewall; with the drop-in the view is current; a rewritten token restarts podnetd")
    func clusterViewUnderTheUnit() throws {
        try requireRootAndIPRoute2()
        for tool in ["python3", "openssl", "curl"] where resolveExecutable(tool) == nil {
            throw MissingRequirement("\(tool) is needed (Scripts/deps.sh installs it)")
        }
        let binary = try PodnetdBinary.locate()
        let binaryPath = URL(fileURLWithPath: binary.path).resolvingSymlinksInPath().path
        let repository = PodnetdBinary.repositoryRoot()
        let scenario = CalicoNodeScenario()
        try withCalicoNode(scenario) { node in
            // The API on the node's underlay address: only the unit's firewall stands between them.
            let standIn = try KubeAPIStandIn(objects: KubeObjects.scenarioCluster(localName: Self.localName), in: node.namespace, address: scenario.nodeIP)
            defer { standIn.stop() }
            let caPEM = try Data(contentsOf: URL(fileURLWithPath: standIn.caPath))
            let systemd = try BootedSystemd(
                namespace: node.namespace,
                bindReadOnly: [(binaryPath as NSString).deletingLastPathComponent, repository + "/systemd"])
            defer { systemd.shutDown() }

            // Installed as the packages install it: the unit, and the opt-in files disabled.
            try systemd.exec(["install", "-m", "0755", binaryPath, "/usr/local/bin/podnetd"])
            try systemd.exec(["install", "-m", "0644", repository + "/systemd/podnetd.service", "/etc/systemd/system/"])
            try systemd.exec(["install", "-D", "-m", "0644", repository + "/systemd/podnetd-cluster-api.conf", "/usr/share/podnetd/podnetd-cluster-api.conf"])
            for unit in ["podnetd-kubeconfig.path", "podnetd-kubeconfig.service"] {
                try systemd.exec(["install", "-m", "0644", repository + "/systemd/" + unit, "/etc/systemd/system/"])
            }
            // The restart helper's wait (150 s as shipped) shortened; what it folds together is the same.
            try systemd.write(
                "/etc/systemd/system/podnetd-kubeconfig.service.d/10-test-delay.conf",
                "[Service]\nEnvironment=PODNETD_KUBECONFIG_RESTART_DELAY=\(Self.restartDelaySeconds)\n")
            try systemd.write(
                "/etc/podnetd/podnetd.yaml",
                "cni: calico-vxlan\nserviceCIDR: 10.96.0.0/12\ninstanceType: m5.large\ngraceSeconds: 0\n"
                    + "resyncInterval: 3600\nnodeName: \(Self.localName)\n")
            try systemd.write(Self.calicoKubeconfigPath, KubeObjects.calicoKubeconfig(server: standIn.server, caPEM: caPEM, token: "token-1"))
            try systemd.exec(["chmod", "0600", Self.calicoKubeconfigPath])
            try systemd.exec(["systemctl", "daemon-reload"])

            // 1. As shipped: the kubeconfig is root-only; the finding says so and names the drop-in.
            try start(systemd)
            let shippedScore = try exposure(systemd)
            let unreadable = try waitForFinding(systemd, node) { $0.summary.contains("permission denied") }
            #expect(unreadable.summary.contains(Self.calicoKubeconfigPath), "\(unreadable)")
            #expect(unreadable.remediation.contains("/usr/share/podnetd/podnetd-cluster-api.conf"), "\(unreadable)")
            print("shipped unit, cluster-api-unreachable: \(unreadable.summary)\n  fix: \(unreadable.remediation)")

            // 2. The control case of the firewall: the credential alone gets podnetd the kubeconfig
            //    (the source used is named), and the firewall's EPERM is named with the same fix.
            try systemd.exec(["install", "-d", "-m", "0700", "/etc/credstore"])
            try systemd.exec(["ln", "-sf", Self.calicoKubeconfigPath, "/etc/credstore/podnetd-kubeconfig"])
            try systemd.write(Self.dropIns + "/40-test-credential-only.conf", "[Service]\nLoadCredential=kubeconfig:podnetd-kubeconfig\n")
            try systemd.exec(["systemctl", "daemon-reload"])
            try restart(systemd)
            let blocked = try waitForFinding(systemd, node) { $0.summary.contains("EPERM") }
            #expect(blocked.summary.contains("IP firewall"), "\(blocked)")
            #expect(blocked.summary.contains(standIn.server), "\(blocked)")
            #expect(blocked.remediation.contains("podnetd-cluster-api.conf"), "\(blocked)")
            let credentialJournal = try systemd.journal()
            #expect(
                credentialJournal.contains("(systemd credential /run/credentials/podnetd.service/kubeconfig)"),
                "the start-up log must name the credential source\n\(credentialJournal)")
            print("credential only, cluster-api-unreachable: \(blocked.summary)")

            // 3. The opt-in drop-in and the rotation path unit, as the README says.
            try systemd.exec(["rm", Self.dropIns + "/40-test-credential-only.conf"])
            try systemd.exec([
                "install", "-D", "-m", "0644", "/usr/share/podnetd/podnetd-cluster-api.conf",
                Self.dropIns + "/podnetd-cluster-api.conf",
            ])
            try systemd.exec(["systemctl", "daemon-reload"])
            try systemd.exec(["systemctl", "enable", "--now", "podnetd-kubeconfig.path"])
            try restart(systemd)
            let current = try waitForStatus(systemd, node, "the cluster view current with node-c's VTEP missing") { status in
                status.clusterState == "current" && status.has("vxlan-vtep-missing", object: "node-c")
            }
            #expect(current.cluster["source"] as? String == "\(standIn.server) (systemd credential /run/credentials/podnetd.service/kubeconfig)")
            #expect(current.cluster["viewAgeSeconds"] as? Int == 0)
            #expect(current.has("vxlan-route-missing", object: "192.168.12.128/26"), "\(current.checks)")
            #expect(!current.checks.contains("cluster-api-unreachable") && !current.checks.contains("cluster-view-stale"), "\(current.checks)")
            print("with the drop-in, /status cluster: \(current.cluster)")
            let dropInScore = try exposure(systemd)
            print("systemd-analyze security podnetd.service: shipped \(shippedScore), with podnetd-cluster-api.conf \(dropInScore)")
            #expect(shippedScore <= 1.0)
            // Only the IP deny list goes (measured 1.1): the rest of the sandbox stays.
            #expect(dropInScore <= 1.1, "the drop-in must keep the rest of the sandbox")

            // 4. calico-node refreshes the token: the API accepts only the new one, and the file is
            //    rewritten in place (os.WriteFile). The path unit restarts podnetd, which lists with it.
            let firstPID = try systemd.property("MainPID")
            let listsBefore = standIn.stats()["nodes"]?.lists ?? 0
            try standIn.rotateToken("token-2")
            try systemd.exec(
                ["sh", "-c", "cat > \(Self.calicoKubeconfigPath)"],
                input: KubeObjects.calicoKubeconfig(server: standIn.server, caPEM: caPEM, token: "token-2"))
            let restarted = Self.eventually(seconds: Double(Self.restartDelaySeconds) + 20) { () -> Bool? in
                let pid = (try? systemd.property("MainPID")) ?? "0"
                return pid != "0" && pid != firstPID ? true : nil
            }
            #expect(restarted == true, "podnetd was not restarted after the kubeconfig changed\n\(Self.log(systemd, "podnetd-kubeconfig.service"))")
            // The stand-in counts only requests with the token it accepts.
            let relisted = Self.eventually(seconds: 20) { () -> Bool? in
                (standIn.stats()["nodes"]?.lists ?? 0) > listsBefore ? true : nil
            }
            #expect(relisted == true, "no list with the refreshed token: \(standIn.stats())")
            try standIn.upsert("nodes", KubeObjects.node("node-d", ipv4: "10.0.0.40/24", tunnel: "192.168.44.0", mac: "66:44:00:00:00:40"))
            let after = try waitForStatus(systemd, node, "node-d after the token refresh") { status in
                status.clusterState == "current" && status.has("vxlan-vtep-missing", object: "node-d")
            }
            #expect(!after.checks.contains("cluster-api-unreachable"), "\(after.checks)")

            // 5. A burst of rewrites (calico-node starting writes the file twice; older versions once per
            //    change in its service-account directory) is one restart: podnetd has been started 4
            //    times in this test, and StartLimitBurst=5 would leave it failed after a second one.
            let burstPID = try systemd.property("MainPID")
            for round in 0..<6 {
                try systemd.exec(
                    ["sh", "-c", "cat > \(Self.calicoKubeconfigPath)"],
                    input: KubeObjects.calicoKubeconfig(server: standIn.server, caPEM: caPEM, token: "token-2") + "# \(round)\n")
                Thread.sleep(forTimeInterval: 3)  // longer than a restart: each write would be one
            }
            let burstRestarted = Self.eventually(seconds: Double(Self.restartDelaySeconds) + 20) { () -> Bool? in
                let pid = (try? systemd.property("MainPID")) ?? "0"
                return pid != "0" && pid != burstPID ? true : nil
            }
            #expect(burstRestarted == true, "podnetd was not restarted after the burst\n\(Self.log(systemd, "podnetd-kubeconfig.service"))")
            // Settled: the helper idle, podnetd running, not refused by its start limit.
            _ = Self.eventually(seconds: Double(Self.restartDelaySeconds) + 20) { () -> Bool? in
                (try? systemd.property("ActiveState", of: "podnetd-kubeconfig.service")) == "inactive" ? true : nil
            }
            // A second run of the helper, had the burst queued one, would restart podnetd by now.
            Thread.sleep(forTimeInterval: Double(Self.restartDelaySeconds) + 5)
            let state = try systemd.property("ActiveState")
            let result = try systemd.property("Result")
            let starts = try systemd.exec(["journalctl", "--no-pager", "-o", "short-monotonic", "-u", "podnetd.service", "-u", "podnetd-kubeconfig.service"])
                .split(separator: "\n").filter { $0.contains("Starting") || $0.contains("Stopping") || $0.contains("start-limit") }
            #expect(state == "active" && result == "success", "after a burst of rewrites podnetd is \(state) (\(result))\n\(starts.joined(separator: "\n"))")
        }
    }

    // MARK: - Helpers

    /// The parts of /status this test reads.
    struct Status {
        var findings: [[String: Any]]
        var cluster: [String: Any]
        var clusterState: String? { cluster["state"] as? String }
        var checks: [String] { findings.compactMap { $0["check"] as? String } }
        func has(_ check: String, object: String) -> Bool {
            findings.contains { $0["check"] as? String == check && $0["object"] as? String == object }
        }
    }

    struct FindingText: CustomStringConvertible {
        var summary: String
        var remediation: String
        var description: String { "\(summary) | fix: \(remediation)" }
    }

    func start(_ systemd: BootedSystemd) throws {
        let result = try systemd.run(["systemctl", "start", "podnetd.service"], timeout: .seconds(70))
        try #require(result.succeeded, "\(result)\n\(Self.log(systemd))")
    }

    func restart(_ systemd: BootedSystemd) throws {
        let result = try systemd.run(["systemctl", "restart", "podnetd.service"], timeout: .seconds(70))
        try #require(result.succeeded, "\(result)\n\(Self.log(systemd))")
    }

    func exposure(_ systemd: BootedSystemd) throws -> Double {
        let security = try systemd.run(["systemd-analyze", "security", "--no-pager", "podnetd.service"])
        return try #require(SystemdUnitTests.overallExposure(in: security.stdout), "\(security)")
    }

    func status(_ node: CalicoNode) throws -> Status? {
        let result = try node.namespace.run(["curl", "-sS", "--max-time", "5", "http://127.0.0.1:9647/status"])
        guard result.succeeded, let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        else { return nil }
        return Status(findings: object["findings"] as? [[String: Any]] ?? [], cluster: object["cluster"] as? [String: Any] ?? [:])
    }

    func waitForStatus(_ systemd: BootedSystemd, _ node: CalicoNode, _ what: String, _ condition: (Status) -> Bool) throws -> Status {
        var last: Status?
        let found = Self.eventually(seconds: 30) { () -> Status? in
            last = try? status(node)
            return last.flatMap { condition($0) ? $0 : nil }
        }
        return try #require(found, "no \(what) within 30 s: \(last.map { "\($0.checks) \($0.cluster)" } ?? "no /status")\n\(Self.log(systemd))")
    }

    /// Waits for a cluster-api-unreachable finding matching `condition`.
    func waitForFinding(_ systemd: BootedSystemd, _ node: CalicoNode, _ condition: (FindingText) -> Bool) throws -> FindingText {
        let status = try waitForStatus(systemd, node, "matching cluster-api-unreachable finding") { status in
            status.findings.contains { finding in
                finding["check"] as? String == "cluster-api-unreachable" && condition(Self.text(finding))
            }
        }
        let finding = try #require(status.findings.first { $0["check"] as? String == "cluster-api-unreachable" && condition(Self.text($0)) })
        return Self.text(finding)
    }

    /// A unit's journal for a failure message (empty when it cannot be read).
    static func log(_ systemd: BootedSystemd, _ unit: String = "podnetd.service") -> String {
        (try? systemd.journal(unit)) ?? ""
    }

    /// `body`'s first non-nil answer, asked every 200 ms for up to `seconds`.
    static func eventually<T>(seconds: Double, _ body: () -> T?) -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if let value = body() { return value }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        return body()
    }

    static func text(_ finding: [String: Any]) -> FindingText {
        FindingText(summary: finding["summary"] as? String ?? "", remediation: finding["remediation"] as? String ?? "")
    }
}
