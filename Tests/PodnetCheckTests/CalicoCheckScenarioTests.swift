import Foundation
import PodnetTestSupport
import Testing

/// `podnetd check` run inside namespaces built like a Calico VXLAN node (seed 002), whole and broken.
@Suite("check on a Calico VXLAN node", .serialized)
struct CalicoCheckScenarioTests {
    static let config = CalicoNodeScenario().podnetdConfig

    /// Builds the node, lets `breakIt` damage it, runs `check`, and always tears down.
    func check(config: String = Self.config, scenario: CalicoNodeScenario = CalicoNodeScenario(), _ breakIt: (CalicoNode) throws -> Void = { _ in }) throws -> CheckRun {
        try requireRootAndIPRoute2()
        return try withNetworkNamespace(purpose: "calico-check") { namespace in
            let node = try scenario.build(in: namespace)
            defer { node.tearDown() }
            try breakIt(node)
            return try CheckRun.run(config: config, in: namespace)
        }
    }

    @Test("a healthy node has no warning or critical finding and exits 0")
    func healthy() throws {
        let run = try check()
        #expect(run.problems == [], "unexpected findings: \(run.problems)\n\(run.stderr)")
        #expect(run.exitCode == 0)
    }

    @Test("a missing remote block route is vxlan-route-missing for that block")
    func remoteRouteMissing() throws {
        let run = try check { try $0.deleteRemoteRoute() }
        #expect(run.has("vxlan-route-missing", object: "192.168.35.0/26", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("a remote route whose tunnel IP lost its neighbour entry is vxlan-route-unresolved")
    func neighbourMissing() throws {
        let run = try check { try $0.deleteNeighbour() }
        #expect(run.has("vxlan-route-unresolved", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("a neighbour whose MAC has no FDB entry is vxlan-route-unresolved")
    func fdbMissing() throws {
        let run = try check { try $0.deleteFDB() }
        #expect(run.has("vxlan-route-unresolved", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("a local block with workloads but no blackhole route is block-blackhole-missing")
    func blackholeMissing() throws {
        let run = try check { try $0.deleteBlackhole() }
        #expect(run.has("block-blackhole-missing", object: "192.168.231.0/26", severity: "warning"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("an up workload veth with no /32 route is workload-route-missing for that interface")
    func workloadRouteMissing() throws {
        let scenario = CalicoNodeScenario()
        let run = try check(scenario: scenario) { try $0.deleteWorkloadRoute(2) }
        #expect(run.has("workload-route-missing", object: scenario.workloadInterface(2), severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("IP forwarding off is ip-forwarding-disabled")
    func forwardingOff() throws {
        let run = try check { try $0.setIPForwarding(false) }
        #expect(run.has("ip-forwarding-disabled", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("maxPods left at the VPC CNI limit on a Calico node is max-pods-limited-by-eni")
    func maxPodsLimitedByENI() throws {
        let config = Self.config.replacingOccurrences(of: "maxPods: 110", with: "maxPods: 17")
            .replacingOccurrences(of: "instanceType: m5.large", with: "instanceType: t3a.medium")
        let run = try check(config: config)
        #expect(run.has("max-pods-limited-by-eni", severity: "warning"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("--fail-on critical ignores warnings; a bad config exits 2 naming the key and line")
    func exitStatuses() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "calico-exit") { namespace in
            let node = try CalicoNodeScenario().build(in: namespace)
            defer { node.tearDown() }
            try node.deleteBlackhole()
            let warningsOnly = try CheckRun.run(config: Self.config, in: namespace)
            #expect(warningsOnly.has("block-blackhole-missing", severity: "warning"), "\(warningsOnly.findings)")
            #expect(warningsOnly.problems.allSatisfy { $0.severity == "warning" }, "\(warningsOnly.findings)")
            #expect(warningsOnly.exitCode == 1)
            let criticalOnly = try CheckRun.run(config: Self.config, in: namespace, extraArguments: ["--fail-on", "critical"])
            #expect(criticalOnly.exitCode == 0, "warnings alone must not fail --fail-on critical: \(criticalOnly.findings)")
            let bad = try CheckRun.run(config: "podCIDRs: [\"192.168.0.0/33\"]\n", in: namespace)
            #expect(bad.exitCode == 2)
            #expect(bad.stderr.contains("podCIDRs") && bad.stderr.contains(":1"), "stderr: \(bad.stderr)")
        }
    }

    @Test("the text report of a broken node names the problem, its evidence and the fix")
    func textReport() throws {
        try requireRootAndIPRoute2()
        try withNetworkNamespace(purpose: "calico-text") { namespace in
            let node = try CalicoNodeScenario().build(in: namespace)
            defer { node.tearDown() }
            try node.deleteRemoteRoute()
            let run = try CheckRun.run(config: Self.config, in: namespace, format: "text")
            #expect(run.exitCode == 1)
            #expect(run.stdout.contains("vxlan-route-missing"))
            #expect(run.stdout.contains("192.168.35.0/26"))
            #expect(run.stdout.contains("fix:"))
            #expect(!run.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
        }
    }
}
