import Foundation
import PodnetModel
import Testing

@testable import PodnetAnalysis

/// A mass failure (5,000 remote blocks without their VXLAN route, as after a Felix flush) reads as
/// one explanation and fix with the list of objects; a few findings of a check stay in full.
@Suite("Text rendering of mass failures")
struct GroupedTextTests {
    typealias F = AnalysisFixtures

    /// The healthy Calico fixture, expecting `count` more remote blocks (100.64.0.0/26 onwards) that
    /// have no route.
    static func missingBlocks(_ count: Int) throws -> Report {
        var expectations = F.calicoExpectations
        expectations.podCIDRs.append(F.prefix("100.64.0.0/10"))
        for block in 0..<count {
            let network = IPAddress.v4(0x6440_0000 + UInt32(block) << 6)
            expectations.calico.expectedRemoteBlocks.append(
                ExpectedRemoteBlock(
                    block: IPPrefix(address: network, length: 26)!, tunnelIP: .v4(0x0A80_0000 + UInt32(block))))
        }
        return F.analyze(try F.calico(), expectations)
    }

    @Test("5,000 findings of one check: one explanation and fix, the first 30 objects, and how many more")
    func massFailureIsGrouped() throws {
        let report = try Self.missingBlocks(5_000)
        #expect(report.findings.filter { $0.check == .vxlanRouteMissing }.count == 5_000)
        let text = ReportTextRenderer.render(report, color: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count < 40, "\(lines.count) lines:\n\(text)")
        #expect(lines.contains("CRITICAL (5000)"))
        #expect(lines.filter { $0.hasPrefix("  vxlan-route-missing") }.count == 1)
        #expect(
            lines.contains {
                $0.hasPrefix(
                    "  vxlan-route-missing  5000 findings, e.g. 100.64.0.0/26: no route for remote block 100.64.0.0/26")
            })
        #expect(text.components(separatedBy: "fix: ").count - 1 == 1)
        #expect(text.contains("objects (5000): 100.64.0.0/26, 100.64.0.64/26, 100.64.0.128/26,"))
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(words.contains("100.64.7.64/26, … and 4970 more (--format json lists every finding)"))
        #expect(!text.contains("100.64.7.128/26"))  // the 31st object is not listed
    }

    @Test("up to three findings of a check are each shown in full")
    func fewFindingsStayExpanded() throws {
        let report = try Self.missingBlocks(3)
        let text = ReportTextRenderer.render(report, color: false)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("  vxlan-route-missing") }.count == 3)
        #expect(text.components(separatedBy: "fix: ").count - 1 == 3)
        #expect(!text.contains("objects ("))
    }

    @Test("the JSON report keeps every finding")
    func jsonKeepsEveryFinding() throws {
        let report = try Self.missingBlocks(5_000)
        let json = try OrderedJSONEncoder().encode(report)
        let decoded = try JSONDecoder().decode(Report.self, from: Data(json.utf8))
        #expect(decoded.findings.filter { $0.check == .vxlanRouteMissing }.count == 5_000)
    }

    @Test("runs of one check and severity form the groups, in order")
    func groupsByCheckAndSeverity() {
        func finding(_ check: CheckID, _ object: String, _ severity: Severity) -> Finding {
            Finding(check: check, severity: severity, object: object, summary: "", detail: "", remediation: "")
        }
        let findings = [
            finding(.podCapacityNearLimit, "node", .critical), finding(.vxlanRouteMissing, "a", .critical),
            finding(.vxlanRouteMissing, "b", .critical), finding(.podCapacityNearLimit, "node2", .warning),
        ]
        #expect(FindingGroups.byCheck(findings).map { $0.map(\.object) } == [["node"], ["a", "b"], ["node2"]])
    }
}
