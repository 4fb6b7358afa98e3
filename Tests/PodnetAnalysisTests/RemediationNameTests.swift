import PodnetAnalysis
import PodnetModel
import Testing

/// The names the remediation texts tell a user to look up are the real ones (each checked against
/// the upstream source named in the test), and what the kernel does is described as it does it.
@Suite("Remediation texts name the real things")
struct RemediationNameTests {
    typealias F = AnalysisFixtures

    /// Every finding of one check on a mutated fixture.
    func finding(_ check: CheckID, _ snapshot: NodeSnapshot, _ expectations: Expectations) throws -> Finding {
        try #require(F.analyze(snapshot, expectations).findings(check).first, "no \(check)")
    }

    @Test("vxlan-device-missing: VXLAN may be off in FelixConfiguration (vxlanEnabled) or no IPPool has vxlanMode")
    func deviceMissingSaysHowToCheckVXLANIsEnabled() throws {
        // felix/calc/encapsulation_resolver.go: vxlanEnabled wins when set; else any pool whose
        // vxlanMode is neither "" nor Never (api/pkg/apis/projectcalico/v3/ippool.go: Always, CrossSubnet).
        var snapshot = try F.calico()
        snapshot.removeLink(named: "vxlan.calico")
        let finding = try finding(.vxlanDeviceMissing, snapshot, F.calicoExpectations)
        for name in [
            "kubectl get felixconfiguration default -o yaml", "spec.vxlanEnabled", "kubectl get ippools -o yaml",
            "spec.vxlanMode Always or CrossSubnet", "restarting calico-node does not bring the device back",
        ] {
            #expect(finding.remediation.contains(name), "missing \(name): \(finding.remediation)")
        }
        #expect(finding.detail.contains("vxlanEnabled"))
    }

    @Test("vxlan-device-down: routes and neighbours (permanent ones too) are deleted, permanent FDB entries kept")
    func deviceDownSaysWhatTheKernelDeletes() throws {
        var snapshot = try F.calico()
        snapshot.setLinkDown("vxlan.calico")
        let finding = try finding(.vxlanDeviceDown, snapshot, F.calicoExpectations)
        #expect(finding.detail.contains("deletes every route through it"))
        #expect(finding.detail.contains("every neighbour entry on it, the permanent ones Felix programmed included"))
        #expect(finding.detail.contains("keeps its permanent FDB entries and its IPv4 address"))
        #expect(!finding.detail.contains("marked linkdown"), "that is the no-carrier case")
    }

    @Test("VXLAN findings cite projectcalico.org/VXLANTunnelMACAddr, never IPv4VXLANTunnelMACAddr")
    func vxlanAnnotations() throws {
        // libcalico-go/lib/backend/k8s/resources/node.go: projectcalico.org/IPv4VXLANTunnelAddr,
        // projectcalico.org/VXLANTunnelMACAddr (and …IPv6VXLANTunnelAddr, …VXLANTunnelMACAddrV6).
        var snapshot = try F.calico()
        snapshot.fdb.removeAll { $0.destination == IPAddress("10.90.1.182") }
        let finding = try finding(.vxlanRouteUnresolved, snapshot, F.calicoExpectations)
        #expect(finding.remediation.contains("projectcalico.org/IPv4VXLANTunnelAddr"))
        #expect(finding.remediation.contains("projectcalico.org/VXLANTunnelMACAddr"))
        for check in CheckID.catalogue {
            #expect(!check.description.contains("IPv4VXLANTunnelMACAddr"))
        }
        #expect(!finding.remediation.contains("IPv4VXLANTunnelMACAddr"))
    }

    @Test("eni-rule-missing and eni-table-missing name the aws-node version and its release notes as a cause")
    func vpcCNIRuleLossCauses() throws {
        var snapshot = try F.vpcCNI()
        snapshot.rules.removeAll { $0.to == IPPrefix("192.168.81.45/32") }
        let finding = try finding(.eniRuleMissing, snapshot, F.vpcCNIExpectations)
        for name in ["daemonset aws-node", "release notes", "v1.5.4", "aws/amazon-vpc-cni-k8s#641", "v1.5.5", "#3309"] {
            #expect(finding.remediation.contains(name), "missing \(name): \(finding.remediation)")
        }
    }
}
