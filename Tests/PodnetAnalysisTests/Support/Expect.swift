import PodnetAnalysis
import Testing

/// Asserts that `report` has exactly the findings of `check` on `objects`, all at `severity`.
func expectFindings(
    _ report: Report, _ check: CheckID, severity: Severity, objects: [String],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let found = report.findings(check)
    #expect(found.map(\.object) == objects, "objects of \(check)", sourceLocation: sourceLocation)
    for finding in found {
        #expect(
            finding.severity == severity, "severity of \(check) on \(finding.object)", sourceLocation: sourceLocation)
        #expect(
            !finding.summary.isEmpty && !finding.detail.isEmpty && !finding.remediation.isEmpty,
            sourceLocation: sourceLocation)
    }
}

/// Asserts that the report raises nothing of `check`.
func expectNoFinding(_ report: Report, _ check: CheckID, sourceLocation: SourceLocation = #_sourceLocation) {
    let found = report.findings(check)
    #expect(found.isEmpty, "unexpected \(check): \(found.map(\.summary))", sourceLocation: sourceLocation)
}

/// The checks of the warning and critical findings, sorted and unique.
func problemChecks(_ report: Report) -> [String] {
    Array(Set(report.problems.map(\.check.rawValue))).sorted()
}
