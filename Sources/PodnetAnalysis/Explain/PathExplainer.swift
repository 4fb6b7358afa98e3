import PodnetModel

/// Explains destinations' paths through one snapshot: (snapshot, expectations, report) → index once,
/// then `explain(query)` per destination. Pure: no I/O, no clock.
///
/// The first hop is the kernel's own decision (rules, tables, tie-breaks, source address, source
/// validation of forwarded packets); behind it the walk follows what the kernel needs next — the
/// VXLAN neighbour and FDB entries and the underlay route to the remote node, or the pod's veth —
/// and names the first broken link with the finding `podnetd check` reports for it.
public struct PathExplainer: Sendable {
    public let index: RoutingIndex
    public let expectations: Expectations
    /// The analysis of the same snapshot, whose findings name broken links.
    public let report: Report

    public init(snapshot: NodeSnapshot, expectations: Expectations, report: Report) {
        self.index = RoutingIndex(snapshot: snapshot)
        self.expectations = expectations
        self.report = report
    }

    /// Indexes the snapshot and analyses it (for its findings).
    public init(snapshot: NodeSnapshot, expectations: Expectations) {
        self.init(
            snapshot: snapshot, expectations: expectations,
            report: Analyzer.analyze(snapshot: snapshot, expectations: expectations, checkedAt: ""))
    }

    /// The path of one destination; throws only for input the kernel would not route (one line).
    public func explain(_ query: ExplainQuery) throws(ExplainInputError) -> PathExplanation {
        let decision = try RouteDecider(index: index).decide(query)
        var walk = PathWalk(explainer: self, query: query, decision: decision)
        walk.run()
        return PathExplanation(
            node: report.node, query: query, destinationKind: walk.destinationKind,
            verdict: walk.brokenStep != nil ? .broken : walk.undetermined ? .undetermined : .complete, firstHop: decision.firstHop,
            rules: decision.evaluations, steps: walk.steps, brokenStep: walk.brokenStep, finding: walk.finding,
            tunnel: walk.tunnel)
    }

    /// The report's finding about one of `objects` (a device name, a gateway) or whose object is a
    /// prefix containing `destination`, among `checks` (any check when empty).
    func finding(checks: [CheckID], objects: [String] = [], containing destination: IPAddress? = nil) -> Finding? {
        report.findings.first { finding in
            guard checks.isEmpty || checks.contains(finding.check) else { return false }
            if objects.contains(finding.object) { return true }
            if let destination, let prefix = IPPrefix(finding.object), prefix.family == destination.family {
                return prefix.contains(destination)
            }
            return false
        }
    }
}
