import PodnetModel
import Testing

@testable import PodnetAnalysis

@Suite("Text rendering")
struct TextRendererTests {
    typealias F = AnalysisFixtures

    @Test("a healthy node: one verdict line with the inventory, and the capacity")
    func healthy() throws {
        let text = ReportTextRenderer.render(F.analyze(try F.calico(), F.calicoExpectations), color: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            lines.first
                == "✓ node ip-10-10-2-193: healthy (calico-vxlan, 3 workloads, 1 local block, 2 remote blocks, 2 VTEPs)"
        )
        #expect(text.contains("capacity: 3 of 108 workload slots used; maxPods 110"))
        #expect(!text.contains("\u{1B}["))
    }

    @Test("a broken node: verdict, findings grouped by severity with aligned columns, evidence and fix")
    func broken() throws {
        let report = F.analyze(try ReportTests.brokenCalicoNode(), ReportTests.brokenExpectations)
        let text = ReportTextRenderer.render(report, color: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            lines[0]
                == "✗ node ip-10-10-2-193: 3 critical, 3 warnings (calico-vxlan, 3 workloads, 0 local blocks, 1 remote block, 1 VTEP)"
        )
        #expect(lines.contains("CRITICAL (3)"))
        #expect(lines.contains("WARNING (3)"))
        let critical = try #require(lines.firstIndex(of: "CRITICAL (3)"))
        let warning = try #require(lines.firstIndex(of: "WARNING (3)"))
        #expect(critical < warning)
        // Aligned: the object column starts at the same offset on every finding line.
        let findingLines = lines.filter { line in report.findings.contains { line.hasPrefix("  \($0.check.rawValue) ") }
        }
        #expect(findingLines.count == report.findings.count)
        let offsets = Set(
            findingLines.map { line in
                line.dropFirst(2).firstIndex(of: " ").map { index in
                    line[index...].prefix { $0 == " " }.count + line.distance(from: line.startIndex, to: index)
                }
            })
        #expect(offsets.count == 1)
        #expect(text.contains("      │ 192.168.94.64/26 via 192.168.94.64 dev vxlan.calico proto 80 onlink"))
        #expect(lines.contains { $0.hasPrefix("      fix: ") })
        #expect(!text.contains("\u{1B}["))
    }

    @Test("colour only when asked for")
    func color() throws {
        let report = F.analyze(try ReportTests.brokenCalicoNode(), ReportTests.brokenExpectations)
        let colored = ReportTextRenderer.render(report, color: true)
        #expect(colored.contains("\u{1B}[31m"))
        #expect(colored.contains("\u{1B}[0m"))
        #expect(!ReportTextRenderer.render(report, color: false).contains("\u{1B}"))
    }

    @Test("warnings only: the verdict says so without the cross")
    func warningsOnly() throws {
        var snapshot = try F.calico()
        snapshot.modifyLink("cali3a1b2c4d5e6") { $0.mtu = 9001 }
        let text = ReportTextRenderer.render(F.analyze(snapshot, F.calicoExpectations), color: false)
        #expect(text.hasPrefix("! node ip-10-10-2-193: 1 warning ("))
    }

    @Test("prose wraps at the width; evidence lines never do")
    func wrapping() {
        let lines = ReportTextRenderer.wrap(
            String(repeating: "word ", count: 40), width: 40, indent: "    ", firstPrefix: "fix: ", firstPrefixWidth: 5)
        #expect(lines.count > 1)
        for line in lines { #expect(line.count <= 40) }
        #expect(lines[0].hasPrefix("    fix: word"))
        #expect(lines[1].hasPrefix("         word"))
    }
}
