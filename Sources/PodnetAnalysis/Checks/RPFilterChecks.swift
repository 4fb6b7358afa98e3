import PodnetModel

extension Analysis {
    /// Strict reverse-path filtering on any ENI. The kernel checks the source of a packet against the
    /// interface it came in on with max(net.ipv4.conf.all.rp_filter, net.ipv4.conf.DEV.rp_filter).
    func checkRPFilter() {
        let all = snapshot.host.ipv4RPFilterAll
        for link in eniInterfaces() {
            let own = link.ipv4?.rpFilter
            guard all != nil || own != nil else { continue }
            guard max(all ?? 0, own ?? 0) == 1 else { continue }
            reportStrictRPFilter(link: link, all: all, own: own)
        }
    }

    private func reportStrictRPFilter(link: Link, all: Int?, own: Int?) {
        let device = "net.ipv4.conf.\(link.name).rp_filter"
        var evidence: [String] = []
        if let all { evidence.append("sysctl net.ipv4.conf.all.rp_filter = \(all)") }
        if let own { evidence.append("sysctl \(device) = \(own)") }
        let culprits = [all == 1 ? "net.ipv4.conf.all.rp_filter" : nil, own == 1 ? device : nil].compactMap { $0 }
        let isPrimary = index.mainDefaultRouteV4?.nextHops.contains { $0.interfaceIndex == link.index } ?? false
        let role = isPrimary ? "the primary ENI" : "a secondary ENI"
        var remediation = "sysctl -w \(device)=2 — the effective value is the larger of `all` and the interface's, "
            + "so the interface's own 2 makes it loose whatever `all` says"
        if all == 1 {
            remediation += "; `all` = 1 also makes every other interface at 0 or 1 strict: sysctl -w "
                + "net.ipv4.conf.all.rp_filter=0 unless a hardening baseline wants it"
        }
        remediation += ". Persist it (/etc/sysctl.d/99-rp-filter.conf: \(device) = 2"
        if snapshot.host.ipv4RPFilterDefault == 1 {
            remediation += ", and net.ipv4.conf.default.rp_filter = 2 so ENIs attached later start loose"
        }
        remediation += "). The VPC CNI's init container (aws-vpc-cni-init) sets only the primary ENI to 2: check "
            + "that it ran on this node (kubectl -n kube-system get pods -l k8s-app=aws-node -o wide) and what sets "
            + "1 (grep -r rp_filter /etc/sysctl.conf /etc/sysctl.d /usr/lib/sysctl.d)."
        add(
            Finding(
                check: .rpFilterStrict, object: link.name,
                summary: "strict reverse-path filtering on \(link.name) (effective rp_filter 1: "
                    + culprits.map { "\($0) = 1" }.joined(separator: ", ") + ")",
                detail: "\(link.name) is \(role) and carries pod traffic. The VPC CNI routes pods on secondary ENIs "
                    + "through their own route tables, so traffic to pods and its replies often arrive on an interface "
                    + "other than the one the main table would use to answer. Strict reverse-path filtering (1) drops "
                    + "such packets silently: pods whose IPs belong to \(link.name) lose connections from outside the "
                    + "node (NodePorts, load balancers, other nodes' pods). The kernel applies the larger of "
                    + "net.ipv4.conf.all.rp_filter and the receiving interface's own value, and here "
                    + culprits.joined(separator: " and ") + " make\(culprits.count == 1 ? "s" : "") it strict.",
                evidence: evidence + [syntax.link(link)],
                remediation: remediation))
    }
}
