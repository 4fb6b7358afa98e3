import PodnetModel

extension Analysis {
    /// The share of a limit at which a table's pressure becomes a warning (at 100 %: critical).
    static let tablePressureRatio = 0.9

    /// Neighbour entries per family against gc_thresh3: above it the kernel refuses new entries
    /// ("neighbour table overflow") and the node loses contact with pods and hosts it has not talked to.
    ///
    /// The limit is kernel-wide, but the kernel reports only its total entry count, permanent ones of
    /// every namespace included, which the limit exempts. So this counts what is certain: this
    /// namespace's non-permanent, not externally learned entries (a lower bound: pods' own entries
    /// add to it). The kernel's total is shown as evidence.
    ///
    /// Kernels before 5.0 (commit 58956317c8de, "neighbor: Improve garbage collection") compare every
    /// entry with the thresholds, permanent ones included (Calico's VTEP neighbours, one per remote
    /// node): there the kernel's own total is what counts.
    func checkNeighbourTablePressure() {
        let countsEveryEntry =
            expectations.kernelRelease.flatMap(KernelVersion.init(release:)).map {
                $0 < KernelVersion.neighbourGCExemptsPermanent
            } ?? false
        for family in [AddressFamily.ipv4, .ipv6] {
            guard let table = snapshot.host.neighbourTable(family), table.gcThresh3 > 0 else { continue }
            let counted =
                countsEveryEntry
                ? table.entries
                : snapshot.neighbours.reduce(0) { count, neighbour in
                    let isExempt = neighbour.state.contains(.permanent) || neighbour.flags.contains(.externLearn)
                    return count + (neighbour.family == family && !isExempt ? 1 : 0)
                }
            let ratio = Double(counted) / Double(table.gcThresh3)
            guard ratio >= Self.tablePressureRatio else { continue }
            reportNeighbourPressure(
                family: family, table: table, counted: counted, full: ratio >= 1, countsEveryEntry: countsEveryEntry)
        }
    }

    private func reportNeighbourPressure(
        family: AddressFamily, table: NeighbourTableUsage, counted: Int, full: Bool, countsEveryEntry: Bool
    ) {
        let prefix = family == .ipv6 ? "net.ipv6.neigh.default" : "net.ipv4.neigh.default"
        let name = family == .ipv6 ? "ndisc_cache" : "arp_cache"
        let percent = Int((Double(counted) / Double(table.gcThresh3) * 100).rounded())
        // Twice the entries, rounded up to a power of two, keeping the kernel's 1 : 4 : 8 ratios.
        var suggested = 1024
        while suggested < max(counted, table.gcThresh3) * 2 { suggested *= 2 }
        add(
            Finding(
                check: .neighbourTablePressure, severity: full ? .critical : nil, object: "\(prefix).gc_thresh3",
                summary: "\(family == .ipv6 ? "IPv6" : "IPv4") neighbour table at \(percent) % of gc_thresh3 "
                    + "(\(counted) of \(table.gcThresh3) entries)" + (full ? ": new entries are refused" : ""),
                detail: "The kernel keeps one \(family == .ipv6 ? "NDP" : "ARP") table for all network namespaces "
                    + "(this node's and its pods'). Once "
                    + (countsEveryEntry
                        ? "its entries — on this kernel (before 5.0) permanent ones included, such as Calico's "
                            + "neighbour per remote node — reach"
                        : "its non-permanent entries reach")
                    + " gc_thresh3 it refuses new "
                    + "ones and logs \"neighbour table overflow\": the node, and pods on it, can no longer reach "
                    + "addresses they have not talked to recently — on large clusters other nodes, pods and the "
                    + "gateway drop out intermittently. Above gc_thresh2 (\(table.gcThresh2)) the kernel already "
                    + "evicts entries aggressively. Counted: "
                    + (countsEveryEntry
                        ? "the kernel's total of \(counted) entries (every namespace, permanent ones included)."
                        : "the \(counted) non-permanent entries of this node's namespace; pods' entries come on top."),
                evidence: [
                    countsEveryEntry
                        ? "kernel \(expectations.kernelRelease ?? "?"): before 5.0 permanent entries count against gc_thresh3"
                        : "ip neigh show (non-permanent, \(family == .ipv6 ? "IPv6" : "IPv4")): \(counted) entries",
                    "ip -s ntable show name \(name): entries \(table.entries) (all namespaces, permanent included), "
                        + "thresh1 \(table.gcThresh1), thresh2 \(table.gcThresh2), thresh3 \(table.gcThresh3)",
                ],
                remediation: "Raise the thresholds in the host's initial network namespace (they are kernel-wide): "
                    + "sysctl -w \(prefix).gc_thresh1=\(suggested / 8) \(prefix).gc_thresh2=\(suggested / 2) "
                    + "\(prefix).gc_thresh3=\(suggested), and persist them in /etc/sysctl.d/. Check the kernel "
                    + "log for overflows: dmesg | grep -i 'table overflow'."))
    }

    /// nf_conntrack_count against nf_conntrack_max: when full the kernel drops new connections' first
    /// packets ("nf_conntrack: table full, dropping packet").
    func checkConntrackPressure() {
        guard let conntrack = snapshot.host.conntrack, conntrack.max > 0 else { return }
        let ratio = Double(conntrack.count) / Double(conntrack.max)
        guard ratio >= Self.tablePressureRatio else { return }
        let full = ratio >= 1
        let percent = Int((ratio * 100).rounded())
        add(
            Finding(
                check: .conntrackTablePressure, severity: full ? .critical : nil,
                object: "net.netfilter.nf_conntrack_max",
                summary: "conntrack table at \(percent) % (\(conntrack.count) of \(conntrack.max) entries)"
                    + (full ? ": new connections are dropped" : ""),
                detail: "Every connection through this node — pods' traffic to Services (kube-proxy's NAT), to other "
                    + "nodes and to the outside — needs a conntrack entry. When nf_conntrack_count reaches "
                    + "nf_conntrack_max the kernel drops the first packet of every new connection and logs "
                    + "\"nf_conntrack: table full, dropping packet\": connections time out at random while "
                    + "established ones keep working.",
                evidence: [
                    "sysctl net.netfilter.nf_conntrack_count = \(conntrack.count)",
                    "sysctl net.netfilter.nf_conntrack_max = \(conntrack.max)",
                ],
                remediation: "Raise the limit: sysctl -w net.netfilter.nf_conntrack_max=\(conntrack.max * 2). "
                    + "kube-proxy sets it at start from its conntrack settings (KubeProxyConfiguration "
                    + "conntrack.maxPerCore and conntrack.min; flags --conntrack-max-per-core, --conntrack-min), so "
                    + "change those too or it is reset. Find what fills the table: conntrack -S and conntrack -L "
                    + "(many entries from one source: a pod opening connections in a loop, or a flood)."))
    }
}
