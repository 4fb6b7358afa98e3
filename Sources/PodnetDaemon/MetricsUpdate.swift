/// What one analysis tells the metrics; built from a report by `MetricsUpdate(report:…)`.
public struct MetricsUpdate: Sendable {
    /// An active finding as a metric series sees it.
    public struct ActiveFinding: Sendable, Hashable {
        public var check: String
        public var severity: String
        public var object: String

        public init(check: String, severity: String, object: String) {
            self.check = check
            self.severity = severity
            self.object = object
        }
    }

    /// Active (reported) findings, most severe first.
    public var activeFindings: [ActiveFinding]
    public var vxlanRoutes: Int
    public var vxlanRoutesMissing: Int
    public var vteps: Int
    public var workloads: Int
    public var maxPods: Int?
    public var ipCapacity: Int?
    public var snapshotRoutes: Int
    public var analysisDuration: Duration
    /// Wall-clock seconds since the epoch when the analysis finished.
    public var analyzedAtEpochSeconds: Double

    public init(
        activeFindings: [ActiveFinding], vxlanRoutes: Int, vxlanRoutesMissing: Int, vteps: Int, workloads: Int,
        maxPods: Int?, ipCapacity: Int?, snapshotRoutes: Int, analysisDuration: Duration, analyzedAtEpochSeconds: Double
    ) {
        self.activeFindings = activeFindings
        self.vxlanRoutes = vxlanRoutes
        self.vxlanRoutesMissing = vxlanRoutesMissing
        self.vteps = vteps
        self.workloads = workloads
        self.maxPods = maxPods
        self.ipCapacity = ipCapacity
        self.snapshotRoutes = snapshotRoutes
        self.analysisDuration = analysisDuration
        self.analyzedAtEpochSeconds = analyzedAtEpochSeconds
    }
}
