import PodnetAnalysis
import PodnetModel
import Testing

/// When something known (the systemd unit's sandbox) keeps podnetd from the API, the cluster
/// findings name the fix instead of a generic hint.
@Suite("cluster findings name a known access fix")
struct ClusterAccessRemedyTests {
    typealias F = AnalysisFixtures
    typealias C = ClusterFixtures

    @Test("no view, a known cause: cluster-api-unreachable says why and names the fix, beside cluster-view-stale")
    func noViewKnownCause() throws {
        var input = ClusterInput(unavailableReason: "cannot read /etc/cni/net.d/calico-kubeconfig: permission denied")
        input.accessRemedy = "enable the drop-in"
        let report = C.analyze(try F.calico(), C.calicoExpectations, input)
        let unreachable = try #require(report.findings(.clusterAPIUnreachable).first)
        #expect(unreachable.severity == .info)
        #expect(unreachable.summary.contains("permission denied"), "\(unreachable.summary)")
        #expect(unreachable.remediation == "enable the drop-in")
        #expect(report.findings(.clusterViewStale).first?.remediation == "enable the drop-in")
    }

    @Test("no view and no known cause or outage: only cluster-view-stale, with the generic hint")
    func noViewUnknownCause() throws {
        let report = C.analyze(try F.calico(), C.calicoExpectations, ClusterInput(unavailableReason: "no context"))
        #expect(report.findings(.clusterAPIUnreachable).isEmpty)
        #expect(report.findings(.clusterViewStale).first?.remediation.contains("Give podnetd API access") == true)
    }

    @Test("an outage of a live view with a known cause: the info finding names the fix")
    func outageKnownCause() throws {
        var input = ClusterInput(view: C.calicoView, viewAgeSeconds: 20, outage: ClusterOutage(seconds: 20, reason: "EPERM"))
        input.accessRemedy = "enable the drop-in"
        let report = C.analyze(try F.calico(), C.calicoExpectations, input)
        #expect(report.findings(.clusterAPIUnreachable).first?.remediation == "enable the drop-in")
    }
}
