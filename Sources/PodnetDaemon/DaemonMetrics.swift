import Prometheus
import Synchronization

/// podnetd's Prometheus metrics (text exposition 0.0.4 through swift-prometheus).
///
/// Cardinality is bounded: `podnetd_findings` has one series per catalogue check at its default
/// severity from the start, plus one per other severity a check has been raised at (kept at 0
/// afterwards, so an alert sees a value rather than an absence); `podnetd_finding_active` has at
/// most `maxFindingSeries`, most severe first.
///
/// Every series carries `node` (the node's Kubernetes name, `NodeIdentity`): the exporter's own
/// label survives every scrape layout, including node-local agents that remote-write to one
/// Prometheus where every target is `localhost:9647`.
public final class DaemonMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    /// `[("node", name)]`, or empty when constructed without a node (unit tests).
    private let nodeLabels: [(String, String)]
    private let maxFindingSeries: Int
    private let findingsPerCheck: Mutex<[MetricsUpdate.ActiveFinding: Gauge]>
    private let activeSeries = Mutex<[MetricsUpdate.ActiveFinding: Gauge]>([:])
    private let optionalGauges = Mutex<[String: Gauge]>([:])
    private let resyncs = Mutex<[String: Counter]>([:])
    private let vxlanRoutes, vxlanRoutesMissing, vteps, workloads, snapshotRoutes, lastAnalysis, truncated: Gauge
    private let resyncInterval: Gauge
    private let netlinkEvents: Counter
    private let uncertainSnapshots: Counter
    private let analysisDuration: DurationHistogram

    /// - Parameters:
    ///   - catalogue: every check with its default severity.
    ///   - version: exported as `podnetd_build_info{version}`.
    ///   - commit: exported as `podnetd_build_info{commit}`.
    ///   - node: the `node` label of every series; nil leaves it out.
    public init(
        catalogue: [(check: String, severity: String)], version: String, commit: String = "unknown",
        maxFindingSeries: Int, node: String? = nil
    ) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        let nodeLabels = node.map { [("node", $0)] } ?? []
        self.nodeLabels = nodeLabels
        self.maxFindingSeries = maxFindingSeries
        var perCheck: [MetricsUpdate.ActiveFinding: Gauge] = [:]
        for entry in catalogue {
            let key = MetricsUpdate.ActiveFinding(check: entry.check, severity: entry.severity, object: "")
            perCheck[key] = Self.makeFindingsGauge(registry, key, nodeLabels)
        }
        findingsPerCheck = Mutex(perCheck)
        func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: Self.name(name, help: help), labels: nodeLabels)
        }
        vxlanRoutes = gauge("vxlan_routes", "Routes through the Calico VXLAN device.")
        vxlanRoutesMissing = gauge("vxlan_routes_missing", "Expected or implied VXLAN block routes that are absent.")
        vteps = gauge("vteps", "Remote VXLAN tunnel endpoints (permanent neighbour plus FDB entry).")
        workloads = gauge("workloads", "Local workload interfaces (cali*/eni* veths).")
        snapshotRoutes = gauge("snapshot_routes", "Routes in the kernel snapshot, all tables.")
        lastAnalysis = registry.makeGauge(
            descriptor: Self.name("last_analysis_timestamp", unit: "seconds", help: "Unix time of the last completed analysis."),
            labels: nodeLabels)
        truncated = gauge("finding_active_truncated", "Active findings left out of podnetd_finding_active by its series cap.")
        // Alerts on a stale analysis need it: a quiet node is re-analysed only at each resync.
        resyncInterval = registry.makeGauge(
            descriptor: Self.name("resync_interval", unit: "seconds", help: "Configured seconds between full re-reads."),
            labels: nodeLabels)
        netlinkEvents = registry.makeCounter(
            descriptor: Self.name("netlink_events", unit: "total", help: "Netlink notifications applied to the live snapshot."),
            labels: nodeLabels)
        // From the start at 0, so that an alert's increase() sees the first one.
        uncertainSnapshots = registry.makeCounter(
            descriptor: Self.name(
                "uncertain_snapshots", unit: "total",
                help: "Full re-reads abandoned as uncertain: the state kept changing during every retry of a dump."),
            labels: nodeLabels)
        analysisDuration = registry.makeDurationHistogram(
            descriptor: Self.name("analysis_duration", unit: "seconds", help: "Time to analyse one snapshot."),
            labels: nodeLabels,
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)])
        registry.makeGauge(
            descriptor: Self.name("build_info", help: "podnetd build; the value is always 1."),
            labels: nodeLabels + [("version", version), ("commit", commit)]
        ).set(to: 1)
    }

    /// Replaces the analysis-derived values.
    public func record(_ update: MetricsUpdate) {
        var counts: [MetricsUpdate.ActiveFinding: Int] = [:]
        for finding in update.activeFindings {
            counts[MetricsUpdate.ActiveFinding(check: finding.check, severity: finding.severity, object: ""), default: 0] += 1
        }
        findingsPerCheck.withLock { gauges in
            for key in counts.keys where gauges[key] == nil {
                gauges[key] = Self.makeFindingsGauge(registry, key, nodeLabels)
            }
            for (key, gauge) in gauges { gauge.set(to: Double(counts[key] ?? 0)) }
        }
        let kept = Array(update.activeFindings.prefix(maxFindingSeries))
        truncated.set(to: Double(update.activeFindings.count - kept.count))
        activeSeries.withLock { series in
            let wanted = Set(kept)
            for (key, gauge) in series where !wanted.contains(key) {
                registry.unregisterGauge(gauge)
                series[key] = nil
            }
            for key in kept where series[key] == nil {
                let gauge = registry.makeGauge(
                    descriptor: Self.name("finding_active", help: "1 for each active finding (capped series)."),
                    labels: nodeLabels + [("check", key.check), ("severity", key.severity), ("object", key.object)])
                gauge.set(to: 1)
                series[key] = gauge
            }
        }
        vxlanRoutes.set(to: Double(update.vxlanRoutes))
        vxlanRoutesMissing.set(to: Double(update.vxlanRoutesMissing))
        vteps.set(to: Double(update.vteps))
        workloads.set(to: Double(update.workloads))
        snapshotRoutes.set(to: Double(update.snapshotRoutes))
        setOptional("max_pods", "kubelet's maxPods for this node (absent when unknown).", update.maxPods)
        setOptional("ip_capacity", "Pods the node can give IPs to (absent when unknown).", update.ipCapacity)
        analysisDuration.record(update.analysisDuration)
        lastAnalysis.set(to: update.analyzedAtEpochSeconds)
    }

    /// The configured resync interval (at start and after each reload).
    public func setResyncInterval(_ interval: Duration) {
        resyncInterval.set(to: Double(interval.components.seconds))
    }

    public func countNetlinkEvents(_ count: Int) {
        if count > 0 { netlinkEvents.increment(by: Int64(count)) }
    }

    /// Counts a full re-read that ended uncertain (nothing was analysed from it; the last status stays).
    public func countUncertainSnapshot() {
        uncertainSnapshots.increment()
    }

    /// Counts a full re-read of the kernel state (`startup`, `periodic`, `overrun`, `implicit-change`, `socket-error`, `reload`).
    public func countResync(reason: String) {
        let counter = resyncs.withLock { counters in
            if let existing = counters[reason] { return existing }
            let created = registry.makeCounter(
                descriptor: Self.name("resyncs", unit: "total", help: "Full re-reads of the kernel state, by reason."),
                labels: nodeLabels + [("reason", reason)])
            counters[reason] = created
            return created
        }
        counter.increment()
    }

    /// The text exposition format, version 0.0.4.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        return buffer
    }

    private func setOptional(_ name: String, _ help: String, _ value: Int?) {
        optionalGauges.withLock { gauges in
            if let value {
                let gauge =
                    gauges[name] ?? registry.makeGauge(descriptor: Self.name(name, help: help), labels: nodeLabels)
                gauges[name] = gauge
                gauge.set(to: Double(value))
            } else if let gauge = gauges.removeValue(forKey: name) {
                registry.unregisterGauge(gauge)
            }
        }
    }

    private static func makeFindingsGauge(
        _ registry: PrometheusCollectorRegistry, _ key: MetricsUpdate.ActiveFinding, _ nodeLabels: [(String, String)]
    ) -> Gauge {
        let gauge = registry.makeGauge(
            descriptor: name("findings", help: "Active findings per check (0 when the check holds)."),
            labels: nodeLabels + [("check", key.check), ("severity", key.severity)])
        gauge.set(to: 0)
        return gauge
    }

    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "podnetd", metricName: metric, unitName: unit, helpText: help)
    }
}
