import Foundation
import PodnetTestSupport
import Testing

/// `podnetd check` on a VPC CNI node against ipamd's record: its checkpoint file and its
/// introspection endpoint (/v1/enis, served on the namespace's loopback like ipamd's 127.0.0.1:61679).
@Suite("check against ipamd's record", .serialized)
struct IpamdCheckScenarioTests {
    /// ipamd's checkpoint (format vpc-cni-ipam/1) holding both pods of VPCCNINode.
    static let checkpoint = """
        {"version":"vpc-cni-ipam/1","allocations":[
          {"networkName":"aws-cni","containerID":"c1","ifName":"eth0","ipv4":"\(VPCCNINode.primaryPodIP)","allocationTimestamp":1,"metadata":{"k8sPodNamespace":"default","k8sPodName":"a"}},
          {"networkName":"aws-cni","containerID":"c2","ifName":"eth0","ipv4":"\(VPCCNINode.secondaryPodIP)","allocationTimestamp":1,"metadata":{"k8sPodNamespace":"default","k8sPodName":"b"}}]}
        """

    /// /v1/enis of ipamd (one network card): eth0's ENI with the primary pod, eth1's (table 2) with the secondary pod.
    static func enis() -> String {
        // As ipamd writes it: a secondary IP no pod has taken yet has an empty IPAddresses map.
        func address(_ ip: String, assigned: Bool) -> String {
            guard assigned else {
                return "\"\(ip)/32\":{\"Cidr\":{\"IP\":\"\(ip)\",\"Mask\":\"/////w==\"},\"IPAddresses\":{},\"IsPrefix\":false,\"AddressFamily\":\"4\"}"
            }
            return "\"\(ip)/32\":{\"Cidr\":{\"IP\":\"\(ip)\",\"Mask\":\"/////w==\"},\"IPAddresses\":{\"\(ip)\":{\"Address\":\"\(ip)\",\"IPAMKey\":{\"networkName\":\"\(assigned ? "aws-cni" : "")\",\"containerID\":\"\",\"ifName\":\"\"},\"IPAMMetadata\":{},\"AssignedTime\":\"2026-01-01T00:00:00Z\",\"UnassignedTime\":\"0001-01-01T00:00:00Z\"}},\"IsPrefix\":false,\"AddressFamily\":\"4\"}"
        }
        return """
            {"0":{"TotalIPs":4,"AssignedIPs":2,"ENIs":{
              "eni-0aaa":{"ID":"eni-0aaa","IsPrimary":true,"IsTrunk":false,"IsEFA":false,"DeviceNumber":0,"AvailableIPv4Cidrs":{\(address(VPCCNINode.primaryPodIP, assigned: true)),\(address("10.0.0.60", assigned: false))},"IPv6Cidrs":{},"IsExcludedForPodIPs":false,"RouteTableID":254,"SubnetID":"subnet-a"},
              "eni-0bbb":{"ID":"eni-0bbb","IsPrimary":false,"IsTrunk":false,"IsEFA":false,"DeviceNumber":1,"AvailableIPv4Cidrs":{\(address(VPCCNINode.secondaryPodIP, assigned: true)),\(address("10.0.1.60", assigned: false))},"IPv6Cidrs":{},"IsExcludedForPodIPs":false,"RouteTableID":2,"SubnetID":"subnet-a"}}}}
            """
    }

    func check(_ breakIt: (VPCCNINode) throws -> Void) throws -> CheckRun {
        try requireRootAndIPRoute2()
        guard resolveExecutable("python3") != nil else { throw MissingRequirement("python3 is needed (Scripts/deps.sh)") }
        let directory = NSTemporaryDirectory() + "podnetd-ipamd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/www/v1", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.checkpoint.write(toFile: directory + "/ipam.json", atomically: true, encoding: .utf8)
        try Self.enis().write(toFile: directory + "/www/v1/enis", atomically: true, encoding: .utf8)
        return try withNetworkNamespace(purpose: "ipamd-check") { namespace in
            let node = try VPCCNINode(in: namespace)
            defer { node.tearDown() }
            let server = try spawnInBackground(
                "ip", ["netns", "exec", namespace.name, "python3", "-m", "http.server", "61679", "--bind", "127.0.0.1", "--directory", directory + "/www"],
                stdoutFile: directory + "/http.out", stderrFile: directory + "/http.err")
            defer {
                kill(server, SIGKILL)
                var status: Int32 = 0
                waitpid(server, &status, 0)
            }
            for _ in 0..<100 where !((try? namespace.exec(["ss", "-ltn"]))?.contains("127.0.0.1:61679") ?? false) { usleep(50_000) }
            try breakIt(node)
            let config = """
                cni: aws-vpc-cni
                serviceCIDR: 10.100.0.0/16
                maxPods: 17
                instanceType: t3a.medium
                ipamd:
                  checkpointPath: \(directory)/ipam.json
                  introspectionAddress: 127.0.0.1:61679
                """
            return try CheckRun.run(config: config, in: namespace)
        }
    }

    @Test("a rule left behind for a released IP is eni-ip-leaked")
    func leakedRuleForReleasedIP() throws {
        let run = try check { node in
            _ = try node.namespace.ip("rule", "add", "to", "10.0.1.99", "lookup", "main", "priority", "512")
            _ = try node.namespace.ip("rule", "add", "from", "10.0.1.99", "lookup", "2", "priority", "1536")
        }
        #expect(run.has("eni-ip-leaked", object: "10.0.1.99", severity: "warning"), "\(run.findings)\n\(run.stderr)")
        #expect(Set(run.problems.map(\.check)) == ["eni-ip-leaked"], "\(run.problems)")
    }

    @Test("an allocated pod IP on the secondary ENI without its from rule is eni-from-rule-missing")
    func podIPWithoutItsRule() throws {
        let run = try check { node in
            _ = try node.namespace.ip("rule", "del", "from", VPCCNINode.secondaryPodIP, "lookup", "2", "priority", "1536")
        }
        #expect(run.has("eni-from-rule-missing", object: VPCCNINode.secondaryPodIP, severity: "critical"), "\(run.findings)\n\(run.stderr)")
        #expect(Set(run.problems.map(\.check)) == ["eni-from-rule-missing"], "\(run.problems)")
    }

    @Test("a healthy node whose warm IPs no pod has taken yet: no finding (they are free, not missing)")
    func healthyWithUntouchedWarmIPs() throws {
        let run = try check { _ in }
        #expect(run.problems.isEmpty, "\(run.problems)\n\(run.stderr)")
        #expect(run.exitCode == 0, "\(run.stdout)")
    }
}
