import Foundation
import PodnetAnalysis

/// Findings for the daemon's unit tests: only check, object and severity matter to it.
enum FindingFixtures {
    /// A finding of `check` about `object`; `summary` lets a test change its wording between runs.
    static func finding(
        _ check: CheckID, _ object: String, severity: Severity? = nil, summary: String? = nil
    ) -> Finding {
        Finding(
            check: check, severity: severity, object: object, summary: summary ?? "\(check) on \(object)",
            detail: "test finding", evidence: [], remediation: "none")
    }

    static let missingRoute = finding(.vxlanRouteMissing, "192.168.35.0/26")
    static let otherMissingRoute = finding(.vxlanRouteMissing, "192.168.99.64/26")
    static let unresolvedRoute = finding(.vxlanRouteUnresolved, "192.168.35.0/26")
}
