import Foundation
import PodnetTestSupport
import Testing

/// `podnetd check` on a node built like an EKS node with the AWS VPC CNI (seeds 000, 001, 004).
@Suite("check on an AWS VPC CNI node", .serialized)
struct VPCCNICheckScenarioTests {
    static func config(maxPods: Int) -> String {
        """
        cni: aws-vpc-cni
        serviceCIDR: 10.100.0.0/16
        maxPods: \(maxPods)
        instanceType: t3a.medium
        """
    }

    func check(config: String, _ breakIt: (VPCCNINode) throws -> Void = { _ in }) throws -> CheckRun {
        try requireRootAndIPRoute2()
        return try withNetworkNamespace(purpose: "vpc-check") { namespace in
            let node = try VPCCNINode(in: namespace)
            defer { node.tearDown() }
            try breakIt(node)
            return try CheckRun.run(config: config, in: namespace)
        }
    }

    @Test("t3a.medium with maxPods 17 (its ENI capacity) and every rule in place is healthy")
    func healthy() throws {
        let run = try check(config: Self.config(maxPods: 17))
        #expect(run.problems == [], "unexpected findings: \(run.problems)\n\(run.stderr)")
        #expect(run.exitCode == 0)
    }

    @Test("t3a.medium with maxPods 20 is max-pods-exceeds-ip-capacity (17 IPs)")
    func maxPodsAboveCapacity() throws {
        let run = try check(config: Self.config(maxPods: 20))
        #expect(run.has("max-pods-exceeds-ip-capacity", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("a pod without its priority-512 rule is eni-rule-missing")
    func ruleMissing() throws {
        let run = try check(config: Self.config(maxPods: 17)) {
            try $0.namespace.ip("rule", "del", "to", VPCCNINode.primaryPodIP, "lookup", "main", "priority", "512")
        }
        #expect(run.has("eni-rule-missing", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }

    @Test("a from-pod rule whose table lost its default route is eni-table-missing")
    func tableMissing() throws {
        let run = try check(config: Self.config(maxPods: 17)) {
            try $0.namespace.ip("route", "del", "default", "table", "2")
        }
        #expect(run.has("eni-table-missing", severity: "critical"), "\(run.findings)")
        #expect(run.exitCode == 1)
    }
}
