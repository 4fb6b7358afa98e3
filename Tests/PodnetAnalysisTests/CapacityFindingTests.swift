import PodnetAnalysis
import PodnetModel
import Testing

@Suite("Capacity findings")
struct CapacityFindingTests {
    typealias F = AnalysisFixtures

    @Test("max-pods-exceeds-ip-capacity: t3a.medium with the VPC CNI and maxPods 20 (capacity 17)")
    func exceedsIPCapacity() throws {
        var expectations = F.vpcCNIExpectations
        expectations.maxPods = 20
        let report = F.analyze(try F.vpcCNI(), expectations)
        expectFindings(report, .maxPodsExceedsIPCapacity, severity: .critical, objects: ["maxPods"])
        let finding = try #require(report.findings(.maxPodsExceedsIPCapacity).first)
        #expect(finding.summary == "maxPods 20 is above the 17 pods t3a.medium's ENIs can address")
        #expect(finding.evidence.contains { $0.contains("3 × (6 − 1) + 2 = 17") })
        #expect(finding.remediation.contains("Set maxPods to 17"))
        #expect(finding.remediation.contains("/etc/kubernetes/kubelet/kubelet-config.json"))
        #expect(finding.remediation.contains("3 × ((6 − 1) × 16) + 2 = 242"))
        #expect(report.capacity.ipCapacity == 17)
        #expect(report.capacity.ipCapacityFormula == "3 × (6 − 1) + 2 = 17")
        #expect(problemChecks(report) == ["max-pods-exceeds-ip-capacity"])
        // At the capacity: nothing.
        expectNoFinding(F.analyze(try F.vpcCNI(), F.vpcCNIExpectations), .maxPodsExceedsIPCapacity)
    }

    @Test("max-pods-exceeds-ip-capacity: maxPods from kubelet's --max-pods flag is fixed in the flag, not the config file")
    func exceedsIPCapacityFromFlag() throws {
        var expectations = F.vpcCNIExpectations
        expectations.maxPods = 40
        expectations.kubeletConfigPath = "/etc/kubernetes/kubelet/config.json"
        expectations.maxPodsSource =
            "kubelet flag --max-pods=40 ($NODEADM_KUBELET_ARGS from /etc/eks/kubelet/environment), overriding "
            + "maxPods 17 of kubelet config /etc/kubernetes/kubelet/config.json"
        let report = F.analyze(try F.vpcCNI(), expectations)
        let finding = try #require(report.findings(.maxPodsExceedsIPCapacity).first)
        #expect(
            finding.remediation.hasPrefix(
                "Set maxPods to 17 (min(17, cap 110)) in kubelet's --max-pods flag where maxPods' source says it is set "
                    + "(it overrides /etc/kubernetes/kubelet/config.json;"), "\(finding.remediation)")
        #expect(!finding.remediation.contains("in /etc/kubernetes/kubelet/config.json and restart"))
        #expect(finding.evidence.first?.contains("$NODEADM_KUBELET_ARGS from /etc/eks/kubelet/environment") == true)
    }

    @Test("max-pods-exceeds-ip-capacity counts prefix delegation")
    func prefixDelegation() throws {
        var expectations = F.vpcCNIExpectations
        expectations.maxPods = 110
        expectFindings(
            F.analyze(try F.vpcCNI(), expectations), .maxPodsExceedsIPCapacity, severity: .critical,
            objects: ["maxPods"])
        expectations.awsVpcCni.prefixDelegation = true
        let report = F.analyze(try F.vpcCNI(), expectations)
        expectNoFinding(report, .maxPodsExceedsIPCapacity)
        #expect(report.capacity.ipCapacity == 242)
        #expect(report.capacity.recommendedMaxPods == 110)
    }

    @Test("max-pods-limited-by-eni: Calico on t3a.medium with maxPods 17")
    func limitedByENI() throws {
        var expectations = F.calicoExpectations
        expectations.instanceType = "t3a.medium"
        expectations.maxPods = 17
        expectations.maxPodsSource = "kubelet config /etc/kubernetes/kubelet/kubelet-config.json"
        let report = F.analyze(try F.calico(), expectations)
        expectFindings(report, .maxPodsLimitedByENI, severity: .warning, objects: ["maxPods"])
        let finding = try #require(report.findings(.maxPodsLimitedByENI).first)
        #expect(finding.remediation.contains("Raise maxPods to 110"))
        #expect(finding.detail.contains("Insufficient pods"))
        #expect(report.capacity.ipCapacity == nil)
        #expect(problemChecks(report) == ["max-pods-limited-by-eni"])
        expectations.maxPods = 110
        expectNoFinding(F.analyze(try F.calico(), expectations), .maxPodsLimitedByENI)
        // The VPC CNI itself needs exactly that number.
        expectNoFinding(F.analyze(try F.vpcCNI(), F.vpcCNIExpectations), .maxPodsLimitedByENI)
    }

    @Test("max-pods-above-recommended: above 110 with 30 vCPUs or fewer, above 250 with more")
    func aboveRecommended() throws {
        var expectations = F.calicoExpectations
        expectations.maxPods = 250
        expectFindings(
            F.analyze(try F.calico(), expectations), .maxPodsAboveRecommended, severity: .info, objects: ["maxPods"])
        expectations.vCPUs = 32
        expectNoFinding(F.analyze(try F.calico(), expectations), .maxPodsAboveRecommended)
        expectations.maxPods = 251
        expectFindings(
            F.analyze(try F.calico(), expectations), .maxPodsAboveRecommended, severity: .info, objects: ["maxPods"])
    }

    @Test("pod-capacity-near-limit: critical at the limit, warning above the ratio, nothing below")
    func nearLimit() throws {
        var expectations = F.vpcCNIExpectations
        expectations.maxPods = 5  // min(5, 17) − 2 host-network pods = 3 workload slots, 3 used
        var report = F.analyze(try F.vpcCNI(), expectations)
        expectFindings(report, .podCapacityNearLimit, severity: .critical, objects: ["pods"])
        #expect(report.capacity.podCapacity == 3)
        #expect(report.capacity.podCapacityFormula == "min(maxPods 5, IP capacity 17) − 2 host-network pods = 3")

        expectations.maxPods = 6  // 3 of 4: 75 %
        report = F.analyze(try F.vpcCNI(), expectations)
        expectNoFinding(report, .podCapacityNearLimit)
        expectations.thresholds.podCapacityWarningRatio = 0.75
        report = F.analyze(try F.vpcCNI(), expectations)
        expectFindings(report, .podCapacityNearLimit, severity: .warning, objects: ["pods"])
        #expect(report.findings(.podCapacityNearLimit).first?.summary == "3 of 4 workload slots used (75 %)")
    }

    @Test("t2.micro (seed 004): 2 ENIs × 2 IPs give 4 pods, 2 of them host-network")
    func t2Micro() throws {
        var expectations = F.vpcCNIExpectations
        expectations.instanceType = "t2.micro"
        expectations.maxPods = 4
        expectations.vCPUs = 1
        let report = F.analyze(try F.vpcCNI(), expectations)
        #expect(report.capacity.ipCapacity == 4)
        #expect(report.capacity.ipCapacityFormula == "2 × (2 − 1) + 2 = 4")
        #expect(report.capacity.podCapacity == 2)
        expectNoFinding(report, .maxPodsExceedsIPCapacity)
        expectFindings(report, .podCapacityNearLimit, severity: .critical, objects: ["pods"])
    }

    @Test("instance-type-unknown: the VPC CNI without an instance type, or with one not in the table")
    func instanceTypeUnknown() throws {
        var expectations = F.vpcCNIExpectations
        expectations.instanceType = nil
        expectations.instanceTypeSource = "unknown: the DMI product name \"HVM domU\" is not an EC2 instance type"
        var report = F.analyze(try F.vpcCNI(), expectations)
        expectFindings(report, .instanceTypeUnknown, severity: .info, objects: ["instanceType"])
        #expect(report.capacity.ipCapacity == nil)
        #expect(report.capacity.notes.contains { $0.contains("HVM domU") })
        expectations.instanceType = "t3a.mediun"
        report = F.analyze(try F.vpcCNI(), expectations)
        expectFindings(report, .instanceTypeUnknown, severity: .info, objects: ["t3a.mediun"])
        #expect(report.findings(.instanceTypeUnknown).first?.detail.contains("t3a.medium") == true)
        // With an overlay the ENI capacity hardly matters: a note, no finding.
        var calico = F.calicoExpectations
        calico.instanceType = nil
        report = F.analyze(try F.calico(), calico)
        expectNoFinding(report, .instanceTypeUnknown)
        #expect(!report.capacity.notes.isEmpty)
    }

    @Test("max-pods-unknown: no kubelet config was found")
    func maxPodsUnknown() throws {
        var expectations = F.calicoExpectations
        expectations.maxPods = nil
        expectations.maxPodsSource = "unknown: no kubelet config at /etc/kubernetes/kubelet/kubelet-config.json"
        let report = F.analyze(try F.calico(), expectations)
        expectFindings(report, .maxPodsUnknown, severity: .info, objects: ["maxPods"])
        #expect(report.capacity.maxPods == nil)
        #expect(report.capacity.podCapacity == nil)
    }
}
