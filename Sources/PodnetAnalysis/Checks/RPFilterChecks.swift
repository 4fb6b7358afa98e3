import PodnetModel

extension Analysis {
    /// Strict reverse-path filtering where it drops pod traffic. The kernel checks the source of a
    /// packet against the interface it came in on with max(net.ipv4.conf.all.rp_filter,
    /// net.ipv4.conf.DEV.rp_filter), looking up the way back with the policy rules: from the packet's
    /// destination (the pod) to its source.
    ///
    /// On the primary ENI that way back is often another interface (NodePort and load-balancer traffic
    /// for pods on secondary ENIs, replies to pods' connections SNATed to the node's IP: the pod's
    /// `from POD lookup N` rule sends it to its ENI's table), so strict filtering there always breaks
    /// pods. On a secondary ENI the pod's rule leads back through that ENI for every source, and strict
    /// filtering is harmless — unless a pod's rule only covers some destinations (`from POD to CIDR`,
    /// as older VPC CNI versions wrote them): then traffic from outside CIDR is dropped.
    func checkRPFilter() {
        let all = snapshot.host.ipv4RPFilterAll
        let primary = index.mainDefaultRouteV4?.nextHops.first?.interfaceIndex
        for link in eniInterfaces() {
            let own = link.ipv4?.rpFilter
            guard all != nil || own != nil else { continue }
            guard max(all ?? 0, own ?? 0) == 1 else { continue }
            if link.index == primary {
                reportStrictRPFilter(link: link, all: all, own: own, partialRules: nil)
            } else {
                let partial = podRulesCoveringSomeSources(leavingThrough: link)
                guard !partial.isEmpty else { continue }
                reportStrictRPFilter(link: link, all: all, own: own, partialRules: partial)
            }
        }
    }

    /// The `from POD lookup N` rules of pods whose ENI is `link` (table N's default route leaves
    /// through it) when some pod has no such rule for every source: its rules carry a destination or
    /// another selector, so the kernel's reverse lookup for other sources ends in the main table.
    /// Empty when every pod on `link` is covered (or none is there).
    private func podRulesCoveringSomeSources(leavingThrough link: Link) -> [Rule] {
        var pods: Set<IPAddress> = []
        for workload in index.workloadLinks where index.workloadKinds[workload.index] == .eni {
            for route in index.workloadRoutes[workload.index] ?? [] where route.family == .ipv4 {
                pods.insert(route.destination.address)
            }
        }
        var rulesByPod: [IPAddress: [Rule]] = [:]
        for rule in index.fromTableRules where rule.family == .ipv4 {
            guard let from = rule.from, from.isHost, pods.contains(from.address),
                tableLeaves(rule.table, through: link)
            else { continue }
            rulesByPod[from.address, default: []].append(rule)
        }
        var partial: [Rule] = []
        for (_, rules) in rulesByPod.sorted(by: { $0.key < $1.key })
        where !rules.contains(where: Self.coversEverySource) {
            partial += rules.sorted { $0.priority < $1.priority }
        }
        return partial
    }

    /// Whether table `table`'s IPv4 default route leaves through `link`.
    private func tableLeaves(_ table: RouteTable, through link: Link) -> Bool {
        index.routes(at: index.otherTableRoutes[table] ?? []).contains { route in
            route.family == .ipv4 && route.destination.isDefault
                && route.nextHops.contains { $0.interfaceIndex == link.index }
        }
    }

    /// A `from POD lookup N` rule that matches the reverse lookup for any source: no other selector.
    private static func coversEverySource(_ rule: Rule) -> Bool {
        rule.to == nil && rule.fwmark == nil && rule.inputInterface == nil && rule.outputInterface == nil
            && rule.tos == 0 && !rule.invert && (rule.otherSelectors ?? []).isEmpty
    }

    private func reportStrictRPFilter(link: Link, all: Int?, own: Int?, partialRules: [Rule]?) {
        let device = "net.ipv4.conf.\(link.name).rp_filter"
        var evidence: [String] = []
        if let all { evidence.append("sysctl net.ipv4.conf.all.rp_filter = \(all)") }
        if let own { evidence.append("sysctl \(device) = \(own)") }
        let culprits = [all == 1 ? "net.ipv4.conf.all.rp_filter" : nil, own == 1 ? device : nil].compactMap { $0 }
        var remediation =
            "sysctl -w \(device)=2 — the effective value is the larger of `all` and the interface's, "
            + "so the interface's own 2 makes it loose whatever `all` says"
        if all == 1 {
            remediation +=
                "; `all` = 1 also makes every other interface at 0 or 1 strict: sysctl -w "
                + "net.ipv4.conf.all.rp_filter=0 unless a hardening baseline wants it"
        }
        remediation += ". Persist it (/etc/sysctl.d/99-rp-filter.conf: \(device) = 2"
        if snapshot.host.ipv4RPFilterDefault == 1 {
            remediation += ", and net.ipv4.conf.default.rp_filter = 2 so ENIs attached later start loose"
        }
        let strictness =
            "The kernel applies the larger of net.ipv4.conf.all.rp_filter and the receiving interface's own value, "
            + "and here " + culprits.joined(separator: " and ") + " make\(culprits.count == 1 ? "s" : "") it strict."
        let summary: String
        let detail: String
        if let partialRules {
            let selectors = Array(Set(partialRules.compactMap { $0.to?.description })).sorted()
            let outside = selectors.isEmpty ? "other sources" : "sources outside " + selectors.joined(separator: ", ")
            let pods = Array(Set(partialRules.compactMap { $0.from?.address })).sorted().map(\.description)
            summary =
                "strict reverse-path filtering on \(link.name) drops traffic from \(outside) to "
                + "\(Self.plural(pods.count, "pod")) on it (effective rp_filter 1: "
                + culprits.map { "\($0) = 1" }.joined(separator: ", ") + ")"
            detail =
                "\(link.name) is a secondary ENI. Traffic to its pods (\(Self.capped(pods, limit: 4).joined(separator: ", "))) "
                + "arrives on \(link.name), and the kernel's reverse-path check looks up the way back from the pod "
                + "to the sender through the policy rules. These pods' `from POD` rules only cover some "
                + "destinations (the VPC CNI's older, CIDR-bound rules), so for \(outside) — peered VPCs, "
                + "on-premises networks, load balancers preserving the client IP — the way back is the main "
                + "table's, not \(link.name): strict filtering (1) drops those packets silently. (With a "
                + "`from POD lookup N` rule for every source, as current VPC CNI versions write, strict filtering "
                + "on a secondary ENI is harmless.) " + strictness
            evidence += Self.capped(partialRules.map(syntax.rule), limit: 4)
            remediation +=
                "). Current VPC CNI versions write `from POD lookup N` for every source: check aws-node's "
                + "version (kubectl -n kube-system get daemonset aws-node -o "
                + "jsonpath='{.spec.template.spec.containers[0].image}') and what sets 1 (grep -r rp_filter "
                + "/etc/sysctl.conf /etc/sysctl.d /usr/lib/sysctl.d)."
        } else {
            summary =
                "strict reverse-path filtering on \(link.name) (effective rp_filter 1: "
                + culprits.map { "\($0) = 1" }.joined(separator: ", ") + ")"
            detail =
                "\(link.name) is the primary ENI. NodePort and load-balancer traffic for pods on secondary ENIs, "
                + "and the replies to pods' connections that the VPC CNI SNATs to the node's IP, arrive on "
                + "\(link.name), while the way back from such a pod (its `from POD lookup N` rule) leaves through "
                + "the pod's own ENI. Strict reverse-path filtering (1) drops these packets silently: those pods "
                + "lose NodePort and load-balancer connections and their connections to the outside. " + strictness
            remediation +=
                "). The VPC CNI's init container (aws-vpc-cni-init) sets the primary ENI to 2: check "
                + "that it ran on this node (kubectl -n kube-system get pods -l k8s-app=aws-node -o wide) and what "
                + "sets 1 (grep -r rp_filter /etc/sysctl.conf /etc/sysctl.d /usr/lib/sysctl.d)."
        }
        add(
            Finding(
                check: .rpFilterStrict, object: link.name, summary: summary, detail: detail,
                evidence: evidence + [syntax.link(link)], remediation: remediation))
    }
}
