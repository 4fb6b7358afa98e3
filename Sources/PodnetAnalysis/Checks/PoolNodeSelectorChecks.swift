import PodnetModel

/// IPPool `nodeSelector`s against this node's labels: which pools this node takes new blocks from.
///
/// What a pool that does not select this node means, per Calico's IPAM (libcalico-go/lib/ipam/ipam.go,
/// pools.go `SelectsNode`): automatic assignment on this node skips the pool (`determinePools`); a
/// block already affine to this node from such a pool keeps its affinity while it holds addresses
/// and is released only once empty (`releaseAffinityOpts{RequireEmpty: true}`), and Felix keeps
/// routing it. So such a block is not a fault and gives no finding; the remote blocks of every pool
/// are routed whatever the selectors say. What does break is a selector that does not parse:
/// `SelectsNode` returns the error and `determinePools` fails the whole assignment, so pods on every
/// node that does not name its pools explicitly get no IP (`ippool-node-selector-invalid`).
extension Analysis {
    /// An enabled pool whose `nodeSelector` does not parse: one finding per pool.
    func checkPoolNodeSelectors(_ view: ClusterView) {
        for pool in view.pools where !pool.disabled {
            do {
                _ = try CalicoSelector(pool.nodeSelector)
            } catch {
                add(
                    Finding(
                        check: .ipPoolNodeSelectorInvalid, object: pool.name,
                        summary: "IPPool \(pool.name): nodeSelector \(Self.quotedSelector(pool.nodeSelector)) does "
                            + "not parse: \(error)",
                        detail: "Calico's IPAM evaluates every enabled pool's nodeSelector when it assigns a pod IP "
                            + "(libcalico-go ipam determinePools). A selector that does not parse fails the whole "
                            + "assignment — not just this pool — so new pods on this node (and on every other) "
                            + "stay in ContainerCreating unless they name their pools explicitly. The API server's "
                            + "validation rejects such a selector for projectcalico.org/v3, so it was written "
                            + "through the crd.projectcalico.org/v1 CRD directly.",
                        evidence: ["IPPool \(pool.name) spec.nodeSelector: \(Self.quotedSelector(pool.nodeSelector))"],
                        remediation: "Fix the selector (Calico's syntax: all(), has(key), key == 'value', key in "
                            + "{'a','b'}, !, &&, ||): kubectl edit ippools.crd.projectcalico.org \(pool.name), or "
                            + "calicoctl apply a corrected pool (calicoctl validates it)."))
            }
        }
    }

    /// The selector as quoted text, cut after 64 characters (it is input from the cluster).
    static func quotedSelector(_ text: String) -> String {
        let cut = text.count > 64 ? String(text.prefix(64)) + "…" : text
        return "\"" + cut + "\""
    }
}

extension ClusterExpectations {
    /// Where this node takes new blocks from: the enabled pools whose nodeSelector selects its labels,
    /// named with those that do not (and those that cannot be evaluated).
    static func localPoolsSource(_ view: ClusterView) -> ExpectationSource? {
        guard !view.pools.isEmpty else { return nil }
        guard let labels = view.localNodeLabels else {
            return ExpectationSource(
                expectation: "localPools", source: "unknown (no labels of Node \(view.nodeName) in the view)")
        }
        var selecting: [String] = []
        var excluding: [String] = []
        var invalid: [String] = []
        for pool in view.pools where !pool.disabled {
            guard let selector = try? CalicoSelector(pool.nodeSelector) else {
                invalid.append(pool.name)
                continue
            }
            if selector.selects(labels) { selecting.append(pool.name) } else { excluding.append(pool.name) }
        }
        var text = "cluster (IPPools whose nodeSelector selects \(view.nodeName): "
            + (selecting.isEmpty ? "none" : selecting.joined(separator: ", "))
        if !excluding.isEmpty { text += "; not selecting it: " + excluding.joined(separator: ", ") }
        if !invalid.isEmpty { text += "; selector does not parse: " + invalid.joined(separator: ", ") }
        return ExpectationSource(expectation: "localPools", source: text + ")")
    }
}
