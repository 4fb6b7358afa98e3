import Foundation
import PodnetModel
import PodnetTestSupport
import Testing

@testable import PodnetAnalysis

/// What a mass failure puts through the report: thousands of findings sorted (each object parsed
/// once) and encoded (arrays appended in place, strings copied in runs) with the same result as
/// the one-at-a-time definitions.
@Suite("Large reports")
struct LargeReportTests {
    static func mixedFindings() -> [Finding] {
        let checks: [CheckID] = [.vxlanRouteMissing, .workloadRouteMissing, .blockBlackholeMissing, .eniRuleMissing]
        var findings: [Finding] = []
        for number in 0..<2_000 {
            let check = checks[number % checks.count]
            let object: String
            switch number % 5 {
            case 0: object = "10.\(number % 7).\(number % 256).0/26"
            case 1: object = "fd00::\(String(number, radix: 16))/122"
            case 2: object = "cali\(number % 13)x\(number)"
            case 3: object = "table \(number % 40)"
            default: object = "10.\(number % 3).0.\(number % 256)"
            }
            let severity: Severity = number % 11 == 0 ? .warning : (check.descriptor?.defaultSeverity ?? .critical)
            findings.append(
                Finding(
                    check: check, severity: severity, object: object, summary: "s\(number % 3)", detail: "",
                    remediation: ""))
        }
        var generator = SeededRandom(seed: 7)
        findings.shuffle(using: &generator)
        return findings
    }

    @Test("inReportOrder sorts exactly as reportOrder does")
    func orderMatchesDefinition() {
        let findings = Self.mixedFindings()
        #expect(Finding.inReportOrder(findings) == findings.sorted(by: Finding.reportOrder))
    }

    @Test("5,000 findings with escapes and non-ASCII text encode to JSON that decodes back to the same report")
    func largeReportRoundTrips() throws {
        var findings: [Finding] = []
        for number in 0..<5_000 {
            findings.append(
                Finding(
                    check: .vxlanRouteMissing, object: "100.64.\(number / 4).\(number % 4 * 64)/26",
                    summary: "block → node \"n\(number)\"\\ é 🚀", detail: "line\nnext\ttab \u{1}\u{7f} ü",
                    evidence: ["a", "b \u{0C}\u{08}"], remediation: "fix — now"))
        }
        let report = Report(
            node: "n", cni: CNIReport(configured: "auto", detected: .calicoVXLAN, reason: "r"), checkedAt: "t",
            findings: findings, inventory: Inventory(), capacity: CapacityReport(maxPodsSource: "x"))
        for pretty in [true, false] {
            let text = try OrderedJSONEncoder(prettyPrinted: pretty).encode(report)
            #expect(try JSONDecoder().decode(Report.self, from: Data(text.utf8)) == report)
        }
    }
}
