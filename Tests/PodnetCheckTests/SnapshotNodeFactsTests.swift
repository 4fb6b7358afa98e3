import Foundation
import PodnetTestSupport
import Testing

/// A dump records the node's facts (vCPUs, instance type, kubelet maxPods, kernel release, with
/// sources), and `check --snapshot` on another machine analyses with them, not with its own.
@Suite("check --snapshot with the dumped node's facts", .serialized)
struct SnapshotNodeFactsTests {
    /// The node's config: its instance type and kubelet config are injected through it (c5.9xlarge:
    /// 8 ENIs × 30 IPs, IP capacity 234; kubelet's maxPods 240 is above it).
    static func nodeConfig(kubeletConfig: String) -> String {
        "cni: aws-vpc-cni\nserviceCIDR: 10.100.0.0/16\ninstanceType: c5.9xlarge\nkubeletConfigPath: \(kubeletConfig)\n"
    }

    /// The analysing machine's config: nothing about the node, so everything must come from the dump.
    static let offlineConfig = "cni: aws-vpc-cni\nserviceCIDR: 10.100.0.0/16\n"

    struct Captured {
        let live: CheckRun
        let dump: [String: Any]
        let directory: URL
    }

    /// Dumps a VPC CNI node in a namespace and checks it live, with the node's config.
    func captureNode() throws -> Captured {
        try requireRootAndIPRoute2()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "podnetd-facts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let kubeletConfig = directory.appendingPathComponent("kubelet-config.json")
        try #"{"kind": "KubeletConfiguration", "maxPods": 240}"#.write(
            to: kubeletConfig, atomically: true, encoding: .utf8)
        let nodeConfigFile = directory.appendingPathComponent("node.yaml")
        try Self.nodeConfig(kubeletConfig: kubeletConfig.path).write(
            to: nodeConfigFile, atomically: true, encoding: .utf8)
        let binary = try PodnetdBinary.locate()
        return try withNetworkNamespace(purpose: "facts") { namespace in
            let node = try VPCCNINode(in: namespace)
            defer { node.tearDown() }
            let dump = try binary.run(["dump", "--config", nodeConfigFile.path], in: namespace)
            #expect(dump.exitCode == 0, "\(dump.stderr)")
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
            let live = try CheckRun.run(config: Self.nodeConfig(kubeletConfig: kubeletConfig.path), in: namespace)
            return Captured(live: live, dump: document, directory: directory)
        }
    }

    /// Writes `document` and runs `check --snapshot` on it outside any namespace with `config`.
    func checkOffline(
        _ document: [String: Any], config: String, in directory: URL
    ) throws -> (run: ProcessResult, report: [String: Any]) {
        let dumpFile = directory.appendingPathComponent("dump-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: document).write(to: dumpFile)
        let configFile = directory.appendingPathComponent("offline-\(UUID().uuidString).yaml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let run = try PodnetdBinary.locate().run([
            "check", "--config", configFile.path, "--snapshot", dumpFile.path, "--format", "json",
        ])
        let report = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]) ?? [:]
        return (run, report)
    }

    static func capacity(_ report: [String: Any]) -> NSDictionary { (report["capacity"] as? NSDictionary) ?? [:] }

    @Test("the dump carries the node's facts; checked elsewhere with no node settings it equals the live check")
    func offlineUsesTheDumpsFacts() throws {
        let captured = try captureNode()
        defer { try? FileManager.default.removeItem(at: captured.directory) }
        #expect(captured.dump["schemaVersion"] as? Int == 2)
        let facts = try #require(captured.dump["nodeFacts"] as? [String: Any], "\(captured.dump.keys)")
        #expect(facts["instanceType"] as? String == "c5.9xlarge")
        #expect(facts["instanceTypeSource"] as? String == "config")
        #expect(facts["maxPods"] as? Int == 240)
        #expect((facts["maxPodsSource"] as? String)?.hasPrefix("kubelet config ") == true, "\(facts)")
        #expect(facts["vCPUs"] as? Int == ProcessInfo.processInfo.processorCount)
        let release = try runChecked("uname", ["-r"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(facts["kernelRelease"] as? String == release)

        #expect(
            captured.live.has("max-pods-exceeds-ip-capacity", object: "maxPods", severity: "critical"),
            "\(captured.live.findings)")
        let offline = try checkOffline(captured.dump, config: Self.offlineConfig, in: captured.directory)
        #expect(offline.run.exitCode == captured.live.exitCode, "\(offline.run.stderr)")
        let findings = try CheckRun.findings(inReport: offline.run.stdout)
        #expect(Set(findings) == Set(captured.live.findings), "offline \(findings) vs live \(captured.live.findings)")
        let liveReport = try #require(
            try JSONSerialization.jsonObject(with: Data(captured.live.stdout.utf8)) as? [String: Any])
        #expect(Self.capacity(offline.report) == Self.capacity(liveReport))
    }

    @Test("the dump's vCPUs choose the cap, not this machine's: 36 vCPUs leave no max-pods-above-recommended")
    func dumpsVCPUsChooseTheCap() throws {
        let captured = try captureNode()
        defer { try? FileManager.default.removeItem(at: captured.directory) }
        // This machine's vCPUs (≤ 30 here) cap at 110, so 240 is above the recommended value.
        #expect(captured.live.has("max-pods-above-recommended"), "\(captured.live.findings)")
        var document = captured.dump
        var facts = try #require(document["nodeFacts"] as? [String: Any])
        facts["vCPUs"] = 36  // as on a real c5.9xlarge
        document["nodeFacts"] = facts
        let offline = try checkOffline(document, config: Self.offlineConfig, in: captured.directory)
        let findings = try CheckRun.findings(inReport: offline.run.stdout)
        #expect(!findings.contains { $0.check == "max-pods-above-recommended" }, "\(findings)")
        #expect(Self.capacity(offline.report)["vcpus"] as? Int == 36)
    }

    @Test("explicit config wins over the dump's facts, and the source says what the dump recorded")
    func explicitConfigWins() throws {
        let captured = try captureNode()
        defer { try? FileManager.default.removeItem(at: captured.directory) }
        let offline = try checkOffline(
            captured.dump, config: Self.offlineConfig + "maxPods: 200\ninstanceType: m5.large\n", in: captured.directory
        )
        let capacity = Self.capacity(offline.report)
        #expect(capacity["maxPods"] as? Int == 200)
        #expect(
            (capacity["maxPodsSource"] as? String)?.hasPrefix("config; the dump recorded 240 (kubelet config ") == true,
            "\(capacity)")
        #expect(capacity["instanceType"] as? String == "m5.large")
        #expect(capacity["instanceTypeSource"] as? String == "config; the dump recorded c5.9xlarge (config)")
    }

    @Test("a schemaVersion 1 dump still loads, says it has no node facts, and takes nothing from this machine")
    func schemaVersion1() throws {
        let captured = try captureNode()
        defer { try? FileManager.default.removeItem(at: captured.directory) }
        var document = captured.dump
        document["schemaVersion"] = 1
        document.removeValue(forKey: "nodeFacts")
        let offline = try checkOffline(document, config: Self.offlineConfig, in: captured.directory)
        #expect(offline.run.exitCode != 2, "\(offline.run.stderr)")
        #expect(offline.run.stderr.contains("has no node facts (schemaVersion 1)"), "\(offline.run.stderr)")
        let capacity = Self.capacity(offline.report)
        #expect(capacity["maxPods"] is NSNull)
        #expect(capacity["instanceType"] is NSNull)
        #expect(capacity["vcpus"] is NSNull)
        #expect((capacity["maxPodsSource"] as? String)?.contains("no node facts") == true, "\(capacity)")
        let findings = try CheckRun.findings(inReport: offline.run.stdout)
        #expect(findings.contains { $0.check == "max-pods-unknown" }, "\(findings)")
        #expect(findings.contains { $0.check == "instance-type-unknown" }, "\(findings)")
    }
}
