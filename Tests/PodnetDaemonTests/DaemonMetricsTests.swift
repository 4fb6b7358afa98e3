import PodnetAnalysis
import PodnetDaemon
import Testing

/// `DaemonMetrics`: valid exposition (promtool), one `podnetd_findings` series per catalogue check,
/// `podnetd_finding_active` capped and following the findings as they come and go.
@Suite struct DaemonMetricsTests {
    static let catalogue = CheckID.catalogue.map { (check: $0.id.rawValue, severity: $0.defaultSeverity.rawValue) }

    static func metrics(maxFindingSeries: Int = 200) -> DaemonMetrics {
        DaemonMetrics(catalogue: catalogue, version: "1.2.3-test", commit: "0123456789ab", maxFindingSeries: maxFindingSeries)
    }

    static func active(
        _ check: CheckID, _ object: String, _ severity: Severity = .critical
    ) -> MetricsUpdate.ActiveFinding {
        MetricsUpdate.ActiveFinding(check: check.rawValue, severity: severity.rawValue, object: object)
    }

    static func update(_ findings: [MetricsUpdate.ActiveFinding], maxPods: Int? = 110) -> MetricsUpdate {
        MetricsUpdate(
            activeFindings: findings, vxlanRoutes: 4,
            vxlanRoutesMissing: findings.filter { $0.check == "vxlan-route-missing" }.count,
            vteps: 3, workloads: 7, maxPods: maxPods, ipCapacity: maxPods.map { $0 + 10 }, snapshotRoutes: 123,
            analysisDuration: .microseconds(700), analyzedAtEpochSeconds: 1_795_000_000.5)
    }

    static let sampleFindings = [
        active(.vxlanRouteMissing, "192.168.35.0/26"),
        active(.vxlanRouteMissing, "192.168.99.64/26"),
        active(.vxlanRouteUnresolved, "192.168.35.0/26"),
        active(.workloadRouteMissing, "cali0123456789a"),
        active(.blockBlackholeMissing, "192.168.231.0/26", .warning),
    ]

    func expectPromtoolAccepts(_ exposition: Exposition, _ comment: Comment) throws {
        let result = try promtoolCheckMetrics(exposition.text)
        #expect(result.succeeded, "\(comment): promtool check metrics: \(result)\n\(exposition.text)")
    }

    @Test("the exposition passes promtool check metrics: fresh, with findings, after they resolve, and with no maxPods")
    func promtoolAccepts() throws {
        let metrics = Self.metrics()
        try expectPromtoolAccepts(try Exposition(metrics.exposition()), "fresh")
        metrics.record(Self.update(Self.sampleFindings))
        metrics.countNetlinkEvents(12)
        metrics.countResync(reason: "startup")
        metrics.countResync(reason: "overrun")
        try expectPromtoolAccepts(try Exposition(metrics.exposition()), "with findings")
        metrics.record(Self.update([], maxPods: nil))
        try expectPromtoolAccepts(try Exposition(metrics.exposition()), "after resolution, maxPods unknown")
    }

    @Test("podnetd_findings has exactly one series per catalogue check from the start, 0 when the check holds")
    func oneFindingsSeriesPerCheck() throws {
        let exposition = try Exposition(Self.metrics().exposition())
        let series = exposition.series("podnetd_findings")
        #expect(series.count == CheckID.catalogue.count)
        #expect(Set(series.compactMap { $0.labels["check"] }) == Set(CheckID.catalogue.map(\.id.rawValue)))
        for descriptor in CheckID.catalogue {
            #expect(
                exposition.value("podnetd_findings", ["check": descriptor.id.rawValue]) == 0,
                "\(descriptor.id) should be one series at 0")
            #expect(
                exposition.series("podnetd_findings", ["check": descriptor.id.rawValue]).first?.labels["severity"]
                    == descriptor.defaultSeverity.rawValue)
        }
    }

    @Test("podnetd_findings counts active findings per check and goes back to 0, keeping the series")
    func findingsCountPerCheck() throws {
        let metrics = Self.metrics()
        metrics.record(Self.update(Self.sampleFindings))
        let broken = try Exposition(metrics.exposition())
        #expect(broken.value("podnetd_findings", ["check": "vxlan-route-missing"]) == 2)
        #expect(broken.value("podnetd_findings", ["check": "vxlan-route-unresolved"]) == 1)
        #expect(broken.value("podnetd_findings", ["check": "block-blackhole-missing"]) == 1)
        #expect(broken.value("podnetd_findings", ["check": "ip-forwarding-disabled"]) == 0)
        #expect(broken.value("podnetd_vxlan_routes_missing") == 2)

        metrics.record(Self.update([]))
        let healed = try Exposition(metrics.exposition())
        #expect(healed.series("podnetd_findings").count == CheckID.catalogue.count)
        #expect(healed.series("podnetd_findings").allSatisfy { $0.value == 0 }, "\(healed.series("podnetd_findings"))")
    }

    @Test("a check raised at another severity than its default gets a second series, kept at 0 afterwards")
    func otherSeveritySeries() throws {
        let metrics = Self.metrics()
        metrics.record(Self.update([Self.active(.vxlanRouteMissing, "192.168.35.0/26", .warning)]))
        let raised = try Exposition(metrics.exposition())
        #expect(raised.value("podnetd_findings", ["check": "vxlan-route-missing", "severity": "warning"]) == 1)
        #expect(raised.value("podnetd_findings", ["check": "vxlan-route-missing", "severity": "critical"]) == 0)
        metrics.record(Self.update([]))
        let after = try Exposition(metrics.exposition())
        #expect(after.value("podnetd_findings", ["check": "vxlan-route-missing", "severity": "warning"]) == 0)
        #expect(after.series("podnetd_findings").count == CheckID.catalogue.count + 1)
    }

    @Test("podnetd_finding_active is capped at maxFindingSeries, most severe first, the rest counted as truncated")
    func activeSeriesCapped() throws {
        let metrics = Self.metrics(maxFindingSeries: 3)
        metrics.record(Self.update(Self.sampleFindings))
        let exposition = try Exposition(metrics.exposition())
        let active = exposition.series("podnetd_finding_active")
        #expect(active.count == 3, "\(active)")
        #expect(
            Set(active.map { "\($0.labels["check"] ?? "") \($0.labels["object"] ?? "")" }) == [
                "vxlan-route-missing 192.168.35.0/26", "vxlan-route-missing 192.168.99.64/26",
                "vxlan-route-unresolved 192.168.35.0/26",
            ])
        #expect(active.allSatisfy { $0.value == 1 && $0.labels["severity"] == "critical" })
        #expect(exposition.value("podnetd_finding_active_truncated") == 2)
        // The per-check counts are not capped.
        #expect(exposition.value("podnetd_findings", ["check": "block-blackhole-missing"]) == 1)
    }

    @Test("a resolved finding's podnetd_finding_active series is removed, the others stay")
    func resolvedSeriesRemoved() throws {
        let metrics = Self.metrics()
        metrics.record(Self.update(Self.sampleFindings))
        #expect(
            try Exposition(metrics.exposition()).series("podnetd_finding_active").count == Self.sampleFindings.count)

        metrics.record(Self.update(Array(Self.sampleFindings.dropFirst())))
        let one = try Exposition(metrics.exposition())
        #expect(
            one.series("podnetd_finding_active", ["check": "vxlan-route-missing", "object": "192.168.35.0/26"]).isEmpty)
        #expect(
            one.value("podnetd_finding_active", ["check": "vxlan-route-missing", "object": "192.168.99.64/26"]) == 1)
        #expect(one.series("podnetd_finding_active").count == Self.sampleFindings.count - 1)

        metrics.record(Self.update([]))
        let none = try Exposition(metrics.exposition())
        #expect(none.series("podnetd_finding_active").isEmpty, "\(none.series("podnetd_finding_active"))")
        #expect(none.value("podnetd_finding_active_truncated") == 0)

        // And it comes back when the problem does.
        metrics.record(Self.update([Self.sampleFindings[0]]))
        #expect(
            try Exposition(metrics.exposition()).value("podnetd_finding_active", ["object": "192.168.35.0/26"]) == 1)
    }

    @Test("inventory gauges, build info, resyncs and events carry the recorded values")
    func inventoryValues() throws {
        let metrics = Self.metrics()
        metrics.record(Self.update([]))
        metrics.countNetlinkEvents(5)
        metrics.countNetlinkEvents(0)
        metrics.countResync(reason: "startup")
        metrics.countResync(reason: "periodic")
        metrics.countResync(reason: "periodic")
        let exposition = try Exposition(metrics.exposition())
        #expect(exposition.value("podnetd_build_info", ["version": "1.2.3-test", "commit": "0123456789ab"]) == 1)
        #expect(exposition.value("podnetd_vxlan_routes") == 4)
        #expect(exposition.value("podnetd_vteps") == 3)
        #expect(exposition.value("podnetd_workloads") == 7)
        #expect(exposition.value("podnetd_max_pods") == 110)
        #expect(exposition.value("podnetd_ip_capacity") == 120)
        #expect(exposition.value("podnetd_snapshot_routes") == 123)
        #expect(exposition.value("podnetd_last_analysis_timestamp_seconds") == 1_795_000_000.5)
        #expect(exposition.value("podnetd_netlink_events_total") == 5)
        #expect(exposition.value("podnetd_resyncs_total", ["reason": "startup"]) == 1)
        #expect(exposition.value("podnetd_resyncs_total", ["reason": "periodic"]) == 2)
        #expect(exposition.value("podnetd_analysis_duration_seconds_count") == 1)

        // Unknown maxPods: the gauges disappear rather than report a made-up value.
        metrics.record(Self.update([], maxPods: nil))
        let unknown = try Exposition(metrics.exposition())
        #expect(unknown.series("podnetd_max_pods").isEmpty)
        #expect(unknown.series("podnetd_ip_capacity").isEmpty)
    }
}
