import Foundation
import PodnetAnalysis
import PodnetModel

extension MetricsUpdate {
    /// The metric values one published report implies.
    public init(report: Report, snapshot: NodeSnapshot, duration: Duration, at date: Date) {
        self.init(
            activeFindings: report.findings.map {
                ActiveFinding(check: $0.check.rawValue, severity: $0.severity.rawValue, object: $0.object)
            },
            vxlanRoutes: report.inventory.vxlanRoutes,
            vxlanRoutesMissing: report.findings.filter { $0.check == .vxlanRouteMissing }.count,
            vteps: report.inventory.vteps,
            workloads: report.inventory.workloads,
            maxPods: report.capacity.maxPods,
            ipCapacity: report.capacity.ipCapacity,
            snapshotRoutes: snapshot.routes.count,
            analysisDuration: duration,
            analyzedAtEpochSeconds: date.timeIntervalSince1970)
    }
}
