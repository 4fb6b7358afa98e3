import Foundation
import PodnetAnalysis

/// The daemon's own state, shown under `daemon` in `/status`.
public struct DaemonStateReport: Sendable, Codable, Hashable {
    public var version: String
    public var startedAt: String
    public var lastResync: String?
    public var lastResyncReason: String?
    public var graceSeconds: Double
    /// Findings seen but still inside their grace period (not reported yet).
    public var pendingFindings: Int
    public var analysisMilliseconds: Double
    public var snapshotRoutes: Int
    /// The node's Kubernetes name (the metrics' `node` label) and where it came from (`NodeIdentity.Source`).
    public var node: String?
    public var nodeSource: String?
    /// How the first analysis' wait for the cluster's first view ended (`the cluster's view arrived`,
    /// `gave up after N s: …`) and how long it waited; nil when it did not wait.
    public var firstAnalysisWait: String? = nil
    public var firstAnalysisWaitSeconds: Double? = nil
}

/// `/status`: the `podnetd check --format json` document whose findings carry `firstSeen` and
/// `lastSeen`, limited to findings past their grace period, plus `daemon`.
public struct StatusDocument: Sendable, Encodable {
    /// The report as `check` would print it, with only the reported findings.
    public let effectiveReport: Report
    public let reported: [TrackedFinding]
    public let daemon: DaemonStateReport

    public init(report: Report, reported: [TrackedFinding], daemon: DaemonStateReport) {
        var effective = report
        effective.findings = reported.map(\.finding)
        effective.summary = SeverityCounts(counting: effective.findings)
        self.effectiveReport = effective
        self.reported = reported
        self.daemon = daemon
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion, node, cni, checkedAt, summary, findings, inventory, capacity, daemon
        case cluster
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(effectiveReport.schemaVersion, forKey: .schemaVersion)
        try container.encode(effectiveReport.node, forKey: .node)
        try container.encode(effectiveReport.cni, forKey: .cni)
        try container.encode(effectiveReport.checkedAt, forKey: .checkedAt)
        try container.encode(effectiveReport.summary, forKey: .summary)
        try container.encode(reported, forKey: .findings)
        try container.encode(effectiveReport.inventory, forKey: .inventory)
        try container.encode(effectiveReport.capacity, forKey: .capacity)
        try container.encode(daemon, forKey: .daemon)
        try container.encodeIfPresent(effectiveReport.cluster, forKey: .cluster)
    }

    /// Pretty JSON in the keys' declared order, with a trailing newline; the document is small
    /// (findings, not routes).
    public func json() -> [UInt8] {
        guard let text = try? OrderedJSONEncoder().encode(self) else {
            return Array("{\"error\":\"status could not be encoded\"}\n".utf8)
        }
        return Array(text.utf8) + [UInt8(ascii: "\n")]
    }

    /// The same text as `podnetd check`, without colour.
    public func text() -> String {
        ReportTextRenderer.render(effectiveReport, color: false)
    }
}
