import PodnetModel

extension Analysis {
    /// The AWS VPC CNI's policy routing: per-pod rules, per-ENI tables, pod IPs kept off the host.
    func checkVPCCNI() {
        var pods: [(address: IPAddress, route: Route, link: Link)] = []
        for link in index.workloadLinks where index.workloadKinds[link.index] == .eni {
            for route in index.workloadRoutes[link.index] ?? [] where route.family == .ipv4 {
                pods.append((route.destination.address, route, link))
            }
        }
        pods.sort { ($0.address, $0.link.name) < ($1.address, $1.link.name) }
        var seen: Set<IPAddress> = []
        for pod in pods where seen.insert(pod.address).inserted {
            checkPodRule(address: pod.address, route: pod.route, link: pod.link)
            checkSecondaryConflict(address: pod.address, route: pod.route)
        }
        checkENITables()
        checkCustomNetworking()
    }

    private func checkPodRule(address: IPAddress, route: Route, link: Link) {
        let rule = index.toMainRules[address]
        if let rule, rule.priority < 1536 { return }
        let found =
            rule.map {
                " A `to \(address) lookup main` rule exists, but at priority \($0.priority), after the "
                    + "`from` rules (1536) it must precede."
            } ?? ""
        add(
            Finding(
                check: .eniRuleMissing, object: address.description,
                summary: "pod \(address) (\(link.name)) has no `to \(address) lookup main` rule at priority 512",
                detail: "The VPC CNI adds `512: from all to POD_IP lookup main` for every pod, so that traffic to "
                    + "the pod uses the main table (and its route to \(link.name)) before any per-ENI `from` rule "
                    + "sends it elsewhere. Without it, traffic to this pod from other pods on secondary ENIs, or "
                    + "answered through an ENI table, leaves the node instead of reaching the pod: the pod is "
                    + "partly unreachable.\(found)",
                evidence: [syntax.route(route)] + (rule.map { [syntax.rule($0)] } ?? []),
                remediation: "Inspect: ip rule show | grep \(address). The CNI adds the rule when the pod starts: "
                    + "recreate the pod (find it: kubectl get pods -A -o wide | grep \(address)), and read aws-node's "
                    + "log on this node (kubectl -n kube-system logs -l k8s-app=aws-node -c aws-node, or "
                    + "/var/log/aws-routed-eni/plugin.log on the node). If rules are missing for several pods, "
                    + "recreating pods only hides the cause: " + Self.vpcCNIRuleLossCauses))
    }

    private func checkSecondaryConflict(address: IPAddress, route: Route) {
        guard let addresses = index.addressesByIP[address], !addresses.isEmpty else { return }
        let devices = addresses.map { index.name($0.interfaceIndex) }.joined(separator: ", ")
        add(
            Finding(
                check: .eniSecondaryConflict, object: address.description,
                summary: "pod IP \(address) is also a host address (on \(devices))",
                detail: "The VPC CNI takes pod IPs from an ENI's secondary IPs and never configures them on the host. "
                    + "Here \(address) is configured on \(devices) as well, so the node's local table claims it: "
                    + "traffic for the pod is delivered to the host instead, and the pod is unreachable. The usual "
                    + "cause is the host's own network tooling (ec2-net-utils, cloud-init, NetworkManager, netplan) "
                    + "configuring an ENI's secondary IPs.",
                evidence: [syntax.route(route)] + addresses.map(syntax.address),
                remediation: "Remove the host address: "
                    + addresses.map { "ip addr del \($0.prefix) dev \(index.name($0.interfaceIndex))" }
                    .joined(separator: "; ")
                    + ". Then keep the host's network configuration away from secondary IPs and secondary ENIs "
                    + "(leave them to the VPC CNI)."))
    }

    /// Why the VPC CNI's rules and ENI tables go missing on more than one pod, beyond a failed pod set-up.
    static let vpcCNIRuleLossCauses =
        "check the VPC CNI's version (kubectl -n kube-system get daemonset aws-node -o "
        + "jsonpath='{.spec.template.spec.containers[0].image}') against its release notes "
        + "(github.com/aws/amazon-vpc-cni-k8s/releases) — a CNI version has lost these rules before: v1.5.4 left "
        + "pods without their `to POD_IP lookup main` rules (aws/amazon-vpc-cni-k8s#641, fixed in v1.5.5); and "
        + "whether the host's network manager touched the ENIs: restarting systemd-networkd takes secondary ENIs down "
        + "and up, which lost the CNI's rules, and aws-node did not put them back (aws/amazon-vpc-cni-k8s#3309): "
        + "keep systemd-networkd and NetworkManager away from the secondary ENIs and eni* veths."

    /// Every `from … lookup N` rule's table must hold a default route.
    private func checkENITables() {
        var rulesByTable: [RouteTable: [Rule]] = [:]
        for rule in index.fromTableRules { rulesByTable[rule.table, default: []].append(rule) }
        for (table, rules) in rulesByTable.sorted(by: { $0.key < $1.key }) {
            let families = Set(rules.map(\.family)).filter { $0 != .bridge }
            let missing = families.filter {
                !index.tablesWithDefaultRoute.contains(NodeIndex.TableKey(table: table, family: $0))
            }
            guard !missing.isEmpty else { continue }
            let tableRoutes = index.routes(at: index.otherTableRoutes[table] ?? [])
            let sortedRules = rules.sorted {
                ($0.priority, $0.from ?? IPPrefix.defaultRoute(.ipv4)) < (
                    $1.priority, $1.from ?? IPPrefix.defaultRoute(.ipv4)
                )
            }
            var evidence = Self.capped(sortedRules.map(syntax.rule), limit: 6)
            if tableRoutes.isEmpty {
                evidence.append("ip route show table \(table): (empty)")
            } else {
                evidence.append(contentsOf: Self.capped(tableRoutes.map(syntax.route), limit: 4))
            }
            add(
                Finding(
                    check: .eniTableMissing, object: "table \(table)",
                    summary: "table \(table) has no default route, but \(Self.plural(rules.count, "rule")) send "
                        + "traffic to it",
                    detail: "The VPC CNI gives each secondary ENI its own route table (a default route via the "
                        + "subnet's gateway on that ENI) and sends traffic from the ENI's pods there with "
                        + "`from POD_IP lookup \(table)` rules. With no default route in table \(table), the lookup "
                        + "falls through to the next rules: pods using that ENI send their traffic out of the wrong "
                        + "interface, where the VPC drops it (source/destination check), so they reach nothing off "
                        + "the node.",
                    evidence: evidence,
                    remediation: "Inspect: ip rule show; ip route show table \(table); ip link (is the ENI still "
                        + "attached and up?). aws-node (ipamd) programs the table when it attaches the ENI: read its "
                        + "log (kubectl -n kube-system logs -l k8s-app=aws-node -c aws-node, /var/log/aws-routed-eni/"
                        + "ipamd.log on the node) and restart aws-node on this node; recreate the affected pods if "
                        + "the ENI was detached. If it happens again: " + Self.vpcCNIRuleLossCauses))
        }
    }
}
