import PodnetModel

/// Fills the expectations the config left open from the cluster's view. The config stays the
/// override: a key set explicitly is never replaced. Pure.
public enum ClusterExpectations {
    /// The expectations with the cluster's pools, remote blocks, maxPods and instance type, and
    /// where each one came from.
    public static func merge(
        _ expectations: Expectations, view: ClusterView, table: ENILimitsTable = .embedded
    ) -> (expectations: Expectations, sources: [ExpectationSource]) {
        merge(expectations, index: ClusterIndex(view: view), table: table)
    }

    /// The Node pod capacities taken as maxPods: the range the config accepts for `maxPods`. The field
    /// is input from the API (any integer parses); one far out of range overflowed the capacity arithmetic.
    static let validCapacityPods = NodeFacts.acceptedMaxPods

    /// `merge` with the view indexed beforehand (what the daemon keeps per view).
    public static func merge(
        _ expectations: Expectations, index: ClusterIndex, table: ENILimitsTable = .embedded
    ) -> (expectations: Expectations, sources: [ExpectationSource]) {
        let view = index.view
        var merged = expectations
        var sources: [ExpectationSource] = []
        let explicit = expectations.explicitKeys
        let local = index.localNode

        // Pod CIDRs and block sizes: the IP pools.
        if !expectations.podCIDRs.isEmpty || explicit.contains("podCIDRs") {
            sources.append(ExpectationSource(expectation: "podCIDRs", source: "config"))
        } else if !view.pools.isEmpty {
            merged.podCIDRs = view.pools.map(\.cidr.network).sorted()
            sources.append(
                ExpectationSource(
                    expectation: "podCIDRs",
                    source: "cluster (IPPools \(view.pools.map(\.name).joined(separator: ", ")))"))
        } else {
            sources.append(ExpectationSource(expectation: "podCIDRs", source: "kernel inference"))
        }
        for family in [AddressFamily.ipv4, .ipv6] {
            let key = family == .ipv6 ? "blockSizeV6" : "blockSize"
            // Only sizes Calico accepts (and the config does): IPv4 20...32, IPv6 116...128.
            let valid = family == .ipv6 ? 116...128 : 20...32
            let sizes = Set(view.pools.filter { $0.cidr.family == family }.map(\.effectiveBlockSize))
                .filter(valid.contains)
            if explicit.contains(key) {
                sources.append(ExpectationSource(expectation: key, source: "config"))
            } else if sizes.count == 1, let size = sizes.first {
                if family == .ipv6 { merged.blockSizeV6 = size } else { merged.blockSize = size }
                sources.append(ExpectationSource(expectation: key, source: "cluster (IPPool blockSize)"))
            }
        }

        // Remote blocks: every confirmed block of every other node, via its tunnel IP.
        if !expectations.calico.expectedRemoteBlocks.isEmpty {
            sources.append(ExpectationSource(expectation: "remoteBlocks", source: "config (calico.expectedRemoteBlocks)"))
        } else {
            let remote = index.remoteBlocks
            merged.calico.expectedRemoteBlocks = remote
            let owners = index.remoteBlockOwners
            sources.append(
                ExpectationSource(
                    expectation: "remoteBlocks",
                    source: "cluster (\(remote.count) blocks of \(owners) other nodes: BlockAffinities, Node annotations)"))
        }
        let ipv6VTEPs = Analysis.clusterVTEPFamilies(view).contains(.ipv6)
        sources.append(
            ExpectationSource(
                expectation: "vteps",
                source: "cluster (Node annotations IPv4VXLANTunnelAddr, VXLANTunnelMACAddr, IPv4Address"
                    + (ipv6VTEPs ? "; IPv6VXLANTunnelAddr, VXLANTunnelMACAddrV6, IPv6Address)" : ")")))
        sources.append(ExpectationSource(expectation: "localBlocks", source: "cluster (BlockAffinities of \(view.nodeName))"))
        if let localPools = localPoolsSource(view) { sources.append(localPools) }

        // maxPods and instance type: the Node object, unless the config names them.
        if expectations.maxPodsSource == "config" {
            sources.append(ExpectationSource(expectation: "maxPods", source: "config"))
        } else if let pods = local?.capacityPods, validCapacityPods.contains(pods) {
            merged.maxPods = pods
            merged.maxPodsSource = "cluster (Node \(view.nodeName) status.capacity.pods)"
            sources.append(ExpectationSource(expectation: "maxPods", source: merged.maxPodsSource))
        } else {
            sources.append(ExpectationSource(expectation: "maxPods", source: expectations.maxPodsSource))
        }
        if expectations.instanceTypeSource == "config" {
            sources.append(ExpectationSource(expectation: "instanceType", source: "config"))
        } else if let label = local?.instanceType, let limits = table.lookup(label) {
            merged.instanceType = limits.instanceType
            merged.instanceTypeSource = "cluster (Node \(view.nodeName) label node.kubernetes.io/instance-type)"
            sources.append(ExpectationSource(expectation: "instanceType", source: merged.instanceTypeSource))
        } else {
            sources.append(ExpectationSource(expectation: "instanceType", source: expectations.instanceTypeSource))
        }
        return (merged, sources)
    }
}
