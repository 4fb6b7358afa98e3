import PodnetModel

/// How current the cluster's view is: an outage is one info finding (the last good view still
/// serves), a view past its bound (or none at all) one warning saying the cluster checks stopped.
extension Analysis {
    func checkClusterStatus(_ input: ClusterInput) {
        guard let view = input.view else {
            guard let reason = input.unavailableReason else { return }
            add(
                Finding(
                    check: .clusterViewStale, object: "cluster",
                    summary: "no view of the cluster: \(reason); the cluster-derived checks did not run",
                    detail: "Without the cluster's IPPools, BlockAffinities and Nodes podnetd only checks what the "
                        + "node itself shows (and calico.expectedRemoteBlocks, if configured): a node Felix never "
                        + "programmed, or programmed with a stale MAC, looks healthy.",
                    evidence: [],
                    remediation: input.accessRemedy
                        ?? "Give podnetd API access: kubernetes.kubeconfig in its config, or run it with a service "
                        + "account bound to the ClusterRole in deploy/kubernetes/clusterrole.yaml; check that the API "
                        + "server is reachable from the node."))
            checkAPINeverReached(input, reason: reason)
            return
        }
        if input.viewAgeSeconds > input.maxViewAgeSeconds {
            add(
                Finding(
                    check: .clusterViewStale, object: "cluster",
                    summary: "the cluster view is \(Self.duration(input.viewAgeSeconds)) old (bound "
                        + "\(Self.duration(input.maxViewAgeSeconds))): the cluster-derived checks did not run",
                    detail: "podnetd's last good view of the cluster (\(view.source)) is older than "
                        + "kubernetes.maxViewAgeSeconds, so comparing the node with it could report blocks and VTEPs "
                        + "that have since changed. Only the node-local checks ran."
                        + (input.outage.map { " The API server has not answered for \(Self.duration($0.seconds)): \($0.reason)." } ?? ""),
                    evidence: [],
                    remediation: "Check the API server's reachability from this node and podnetd's credentials "
                        + "(its log names the last error)."))
            return
        }
        if let outage = input.outage {
            add(
                Finding(
                    check: .clusterAPIUnreachable, object: "cluster",
                    summary: "the Kubernetes API has not answered for \(Self.duration(outage.seconds)): using the "
                        + "cluster view from \(Self.duration(input.viewAgeSeconds)) ago",
                    detail: "podnetd keeps the last good view of the cluster and checks against it while the API "
                        + "server is away (\(outage.reason)); changes to the cluster since then are not seen. Past "
                        + "\(Self.duration(input.maxViewAgeSeconds)) the cluster-derived checks stop.",
                    evidence: [],
                    remediation: input.accessRemedy
                        ?? "Check the API server and the network path from this node to it; podnetd retries "
                        + "with backoff on its own."))
        }
    }

    /// No view yet because the API never answered (an outage since start), or because something
    /// known stands between podnetd and it (the systemd unit's sandbox): one info finding naming
    /// the cause and its fix, beside the warning that the cluster checks did not run.
    private func checkAPINeverReached(_ input: ClusterInput, reason: String) {
        guard input.outage != nil || input.accessRemedy != nil else { return }
        let since = input.outage.map { " for \(Self.duration($0.seconds))" } ?? ""
        add(
            Finding(
                check: .clusterAPIUnreachable, object: "cluster",
                summary: "the Kubernetes API has not been reached\(since): \(reason)",
                detail: "podnetd has no view of the cluster yet, so the cluster-derived checks wait for the first "
                    + "successful list; it keeps retrying with backoff.",
                evidence: [],
                remediation: input.accessRemedy
                    ?? "Check the API server and the network path from this node to it, and podnetd's credentials."))
    }

    /// The report's `cluster` section.
    func clusterReport(_ input: ClusterInput, sources: [ExpectationSource]) -> ClusterReport? {
        guard let view = input.view else {
            guard let reason = input.unavailableReason else {
                return input.ipamd == nil ? nil : ClusterReport(state: "unavailable", source: "none", expectationSources: sources)
            }
            return ClusterReport(state: "unavailable", source: reason, expectationSources: sources)
        }
        let state =
            input.viewAgeSeconds > input.maxViewAgeSeconds ? "stale" : (input.outage == nil ? "current" : "api-unreachable")
        return ClusterReport(
            state: state, source: view.source, nodeName: view.nodeName, nodeNameSource: view.nodeNameSource,
            viewAgeSeconds: input.viewAgeSeconds, nodes: view.nodes.count, blockAffinities: view.blockAffinities.count,
            pools: view.pools.count, expectationSources: sources)
    }

    /// `45 s`, `12 min 5 s`, `3 h 2 min`.
    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
